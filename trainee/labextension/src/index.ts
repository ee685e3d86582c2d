/**
 * peercert's JupyterLab (and Notebook 7) extension: quiz answers as choices.
 *
 * For every answer cell that `peercert build` marks (`metadata.peercert = {item, role:
 * "answer", type, letters}`), the question's options are shown as controls under the
 * question, the answer and format-check code cells are hidden, and each choice writes the
 * literal (`answer_3 = "B"`) into the answer cell and saves the notebook. A notebook opened
 * without this extension still works by typing. Notebooks that hold hidden tests (an
 * instructor's source or autograded copy) are left as they are.
 */

import type { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import type { Cell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import type { PanelLayout } from '@lumino/widgets';

import { answerName, KINDS, Kind, optionsFromMarkdown, withAnswer } from './answer';
import { AnswerWidget } from './widget';

interface IPeercertCell {
  item?: string;
  role?: string;
  type?: string;
  letters?: string;
}

const HIDDEN_TESTS = '### BEGIN HIDDEN TESTS';

function peercert(cell: Cell): IPeercertCell {
  return (cell.model.getMetadata('peercert') as IPeercertCell | undefined) ?? {};
}

/** Shows choices for the quiz in one notebook panel. */
class QuizView {
  constructor(private readonly panel: NotebookPanel) {
    void panel.context.ready.then(() => {
      this.scan();
      panel.content.model?.cells.changed.connect(() => this.schedule());
      panel.context.fileChanged.connect(() => this.schedule());
    });
  }

  private schedule(): void {
    if (this.pending === null) {
      this.pending = window.setTimeout(() => {
        this.pending = null;
        this.scan();
      }, 50);
    }
  }

  /** Whether the notebook is a trainee's quiz (marked answer cells, no hidden tests). */
  private isTraineeQuiz(cells: readonly Cell[]): boolean {
    let answers = false;
    for (const cell of cells) {
      const meta = peercert(cell);
      if (meta.role === 'test' && cell.model.sharedModel.getSource().includes(HIDDEN_TESTS)) {
        return false;
      }
      answers ||= meta.role === 'answer' && KINDS.includes(meta.type as Kind);
    }
    return answers;
  }

  private scan(): void {
    const notebook = this.panel.content;
    const cells = notebook.widgets;
    if (!this.isTraineeQuiz(cells)) {
      return;
    }
    this.panel.addClass('peercert-Quiz');
    cells.forEach((cell, index) => {
      const meta = peercert(cell);
      if (cell.model.type !== 'code' || this.done.has(cell)) {
        return;
      }
      if (meta.role === 'test') {
        this.done.add(cell);
        cell.addClass('peercert-mod-hidden');
      } else if (meta.role === 'answer' && KINDS.includes(meta.type as Kind)) {
        this.done.add(cell);
        void cell.ready.then(() => this.attach(cell, index, meta));
      }
    });
  }

  /** The question's markdown cell: named after the item, else the markdown cell above. */
  private questionCell(index: number, item: string): Cell | null {
    const cells = this.panel.content.widgets;
    const named = cells.find(c => c.model.id === `${item}-question`);
    if (named) {
      return named;
    }
    for (let i = Math.min(index, cells.length) - 1; i >= 0; i--) {
      if (cells[i].model.type === 'markdown') {
        return cells[i];
      }
    }
    return null;
  }

  private attach(cell: Cell, index: number, meta: IPeercertCell): void {
    if (cell.isDisposed) {
      return;
    }
    const kind = meta.type as Kind;
    const source = () => cell.model.sharedModel.getSource();
    const letters = kind === 'truefalse' ? '' : meta.letters ?? '';
    // build.py numbers answers by the item's place in the quiz: answer_3 for the third item
    const quiz = this.panel.content.model?.getMetadata('peercert') as { items?: string[] };
    const place = (quiz?.items ?? []).indexOf(meta.item ?? '') + 1;
    const name = answerName(source()) ?? `answer_${place || index}`;
    const number = /(\d+)$/.exec(name)?.[1] ?? '';
    const question = this.questionCell(index, meta.item ?? '');
    const options = optionsFromMarkdown(question?.model.sharedModel.getSource() ?? '', letters);
    if (question && kind !== 'truefalse' && [...options.values()].every(text => text)) {
      question.addClass('peercert-QuestionCell'); // its list of options is shown as controls
    }
    const widget = new AnswerWidget({
      kind,
      number,
      options,
      getSource: source,
      setAnswer: async literal => {
        const next = withAnswer(source(), answerName(source()) ?? name, literal);
        if (next !== source()) {
          this.writing = true;
          try {
            cell.model.sharedModel.setSource(next);
          } finally {
            this.writing = false;
          }
        }
        // save after each choice, so Submit always sends the latest answers
        await this.save();
      }
    });
    cell.model.contentChanged.connect(() => {
      if (!this.writing) {
        widget.refresh();
      }
    });
    cell.addClass('peercert-AnswerCell');
    const layout = cell.layout as PanelLayout;
    const inputWrapper = layout.widgets.findIndex(w => w.hasClass('jp-Cell-inputWrapper'));
    layout.insertWidget(inputWrapper + 1, widget);
    cell.disposed.connect(() => widget.dispose());
  }

  /**
   * Save the notebook, one save at a time: saves that overlap make JupyterLab see the file
   * as changed on disk by someone else.
   */
  private save(): Promise<void> {
    const next = this.saving.catch(() => undefined).then(() => this.panel.context.save());
    this.saving = next;
    return next;
  }

  private saving: Promise<void> = Promise.resolve();
  private done = new WeakSet<Cell>();
  private pending: number | null = null;
  private writing = false;
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'peercert:answers',
  description: 'Quiz answers as choices: radio buttons, checkboxes and reorderable lists.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (app: JupyterFrontEnd, tracker: INotebookTracker) => {
    tracker.forEach(panel => new QuizView(panel));
    tracker.widgetAdded.connect((_, panel) => new QuizView(panel));
  }
};

export default plugin;
