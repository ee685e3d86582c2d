/**
 * The choices shown in place of an answer cell: radio buttons (single best answer,
 * true/false), checkboxes (multiple select) or a reorderable list (ordering: drag and drop,
 * or the Move up and Move down buttons). Every choice writes the literal into the answer
 * cell, which stays the single source of truth.
 */

import { Widget } from '@lumino/widgets';

import { answerLiteral, IReading, Kind, readAnswer } from './answer';

export interface IAnswerOptions {
  kind: Kind;
  /** The question number, as the answer variable and the question cell name it. */
  number: string;
  /** Option letter -> text (empty for true/false). */
  options: Map<string, string>;
  /** The answer cell's source, and a way to replace it (the widget never keeps its own). */
  getSource: () => string;
  setAnswer: (literal: string) => Promise<void>;
}

let counter = 0;

const HOW: Record<Kind, string> = {
  single: 'Choose one answer.',
  truefalse: 'Choose True or False.',
  multiple: 'Choose all the answers that apply.',
  ordering:
    'Put the steps in order, first step at the top: drag a step, or use its Move up and ' +
    'Move down buttons.'
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Partial<HTMLElementTagNameMap[K]> & { className?: string } = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  if (tag === 'input' || tag === 'button') {
    // keys typed on these controls are theirs, never the notebook's command-mode shortcuts
    // (Lumino looks for this attribute from the focused element up, until a shortcut's
    // selector matches, and the notebook's match the focused element itself)
    node.setAttribute('data-lm-suppress-shortcuts', 'true');
  }
  node.append(...children);
  return node;
}

/** Letter and text of an option as one label: "B. Say no kindly." */
function optionLabel(letter: string, text: string): string {
  return text ? `${letter}. ${text}` : letter;
}

export class AnswerWidget extends Widget {
  constructor(private readonly opts: IAnswerOptions) {
    super();
    this.addClass('peercert-Answer');
    this.id = `peercert-answer-${++counter}`;
    this.node.setAttribute('data-lm-suppress-shortcuts', 'true');
    this.node.dataset.kind = opts.kind;
    this.node.dataset.question = opts.number;
    this.render();
  }

  /** Show what the answer cell now says (after a save, an undo or a typed edit). */
  refresh(): void {
    const reading = this.reading();
    if (this.opts.kind === 'ordering') {
      this.order = reading.status === 'answered' ? reading.letters : this.order;
      this.renderOrder(reading);
    } else {
      for (const input of this.inputs) {
        input.checked =
          this.opts.kind === 'truefalse'
            ? reading.truth !== null && String(reading.truth) === input.value
            : reading.letters.includes(input.value);
        input.closest('label')?.classList.toggle('peercert-mod-chosen', input.checked);
      }
    }
    this.showStatus(reading);
  }

  private reading(): IReading {
    return readAnswer(this.opts.getSource(), this.opts.kind, [...this.opts.options.keys()].join(''));
  }

  private render(): void {
    const { kind, number } = this.opts;
    const legendId = `${this.id}-legend`;
    const fieldset = el('fieldset', { className: 'peercert-Answer-fieldset' });
    fieldset.setAttribute('aria-describedby', `${this.id}-status`);
    fieldset.append(
      el(
        'legend',
        { className: 'peercert-Answer-legend', id: legendId },
        el('span', { className: 'peercert-Answer-title' }, `Your answer to question ${number}:`),
        ' ',
        el('span', { className: 'peercert-Answer-how' }, HOW[kind])
      )
    );
    if (kind === 'ordering') {
      this.list = el('ol', { className: 'peercert-Order' });
      this.list.setAttribute('aria-label', 'Steps in your order, first step at the top');
      this.useOrder = el(
        'button',
        { type: 'button', className: 'peercert-Answer-button peercert-Order-use' },
        'Use this order'
      );
      this.useOrder.addEventListener('click', () => void this.saveOrder(null));
      fieldset.append(this.list, this.useOrder);
      this.order = [...this.opts.options.keys()];
    } else {
      const choices = el('div', { className: 'peercert-Answer-choices' });
      const entries: [string, string, string][] =
        kind === 'truefalse'
          ? [
              ['true', 'True', 'True'],
              ['false', 'False', 'False']
            ]
          : [...this.opts.options].map(([letter, text]) => [letter, letter, text]);
      for (const [value, letter, text] of entries) {
        const input = el('input', {
          type: kind === 'multiple' ? 'checkbox' : 'radio',
          name: this.id,
          value,
          className: 'peercert-Answer-input'
        });
        input.addEventListener('change', () => void this.choose());
        this.inputs.push(input);
        const label =
          kind === 'truefalse'
            ? el('span', { className: 'peercert-Answer-text' }, text)
            : el(
                'span',
                { className: 'peercert-Answer-text' },
                el('span', { className: 'peercert-Answer-letter' }, `${letter}.`),
                ` ${text}`
              );
        choices.append(el('label', { className: 'peercert-Answer-option' }, input, label));
      }
      fieldset.append(choices);
    }
    const clear = el(
      'button',
      { type: 'button', className: 'peercert-Answer-button peercert-Answer-clear' },
      'Clear my answer'
    );
    clear.setAttribute('aria-label', `Clear my answer to question ${number}`);
    clear.addEventListener('click', () => void this.write('""', 'Your answer was cleared.'));
    this.status = el('p', { className: 'peercert-Answer-status', id: `${this.id}-status` });
    this.live = el('p', { className: 'peercert-Answer-live' });
    this.live.setAttribute('role', 'status');
    this.live.setAttribute('aria-live', 'polite');
    fieldset.append(el('div', { className: 'peercert-Answer-footer' }, this.status, clear));
    this.node.append(fieldset, this.live);
    this.refresh();
  }

  private async choose(): Promise<void> {
    const { kind } = this.opts;
    const checked = this.inputs.filter(i => i.checked).map(i => i.value);
    const reading =
      kind === 'truefalse'
        ? { letters: [], truth: checked[0] === 'true' }
        : { letters: checked, truth: null };
    if (kind !== 'truefalse' && checked.length === 0) {
      await this.write('""', 'No answer chosen.');
      return;
    }
    await this.write(answerLiteral(reading, kind), '');
  }

  /** Write a literal into the answer cell, save, and say so. */
  private async write(literal: string, announce: string): Promise<void> {
    this.node.classList.add('peercert-mod-saving');
    try {
      await this.opts.setAnswer(literal);
      this.refresh();
      this.live.textContent = `${announce} ${this.status.textContent}`.trim();
    } catch (reason) {
      this.live.textContent = `Your answer could not be saved: ${reason}. Try again, or save the notebook.`;
      this.status.textContent = this.live.textContent;
    } finally {
      this.node.classList.remove('peercert-mod-saving');
    }
  }

  private showStatus(reading: IReading): void {
    const { kind } = this.opts;
    let text: string;
    if (reading.status === 'answered') {
      const shown =
        kind === 'truefalse' ? (reading.truth ? 'True' : 'False') : reading.letters.join(', ');
      text = `Saved. Your answer: ${shown}.`;
    } else if (reading.status === 'blank') {
      text = kind === 'ordering' ? 'No answer yet. Order the steps, or choose Use this order.' : 'No answer yet.';
    } else {
      text = `Your typed answer (${reading.typed.slice(0, 60)}) cannot be read. Choose again here to replace it.`;
    }
    this.status.textContent = text;
    this.node.dataset.status = reading.status;
    if (this.useOrder) {
      this.useOrder.hidden = reading.status === 'answered';
    }
  }

  // --- ordering ---------------------------------------------------------------------------

  private renderOrder(reading: IReading): void {
    const list = this.list!;
    const total = this.order.length;
    const answered = reading.status === 'answered';
    list.classList.toggle('peercert-mod-chosen', answered);
    list.replaceChildren();
    this.order.forEach((letter, i) => {
      const text = this.opts.options.get(letter) ?? '';
      const name = optionLabel(letter, text);
      const textId = `${this.id}-step-${letter}`;
      const item = el('li', { className: 'peercert-Order-item' });
      item.dataset.letter = letter;
      const handle = el('span', { className: 'peercert-Order-handle', title: 'Drag to move' }, '⠿');
      handle.setAttribute('aria-hidden', 'true');
      handle.addEventListener('pointerdown', event => this.startDrag(event, item));
      const position = el('span', { className: 'peercert-Order-position' }, `${i + 1}.`);
      position.setAttribute('aria-hidden', 'true');
      const label = el(
        'span',
        { className: 'peercert-Order-text', id: textId },
        el('span', { className: 'peercert-Answer-letter' }, `${letter}.`),
        ` ${text}`
      );
      const up = this.moveButton('up', name, i === 0, () => this.move(letter, -1));
      const down = this.moveButton('down', name, i === total - 1, () => this.move(letter, 1));
      item.append(handle, position, label, el('span', { className: 'peercert-Order-buttons' }, up, down));
      list.append(item);
    });
  }

  private moveButton(
    direction: 'up' | 'down',
    name: string,
    edge: boolean,
    onClick: () => void
  ): HTMLButtonElement {
    const button = el(
      'button',
      { type: 'button', className: `peercert-Answer-button peercert-Order-${direction}` },
      el('span', { className: 'peercert-Order-arrow' }, direction === 'up' ? '↑' : '↓'),
      ` Move ${direction}`
    );
    button.querySelector('.peercert-Order-arrow')!.setAttribute('aria-hidden', 'true');
    button.setAttribute('aria-label', `Move ${direction}: ${name}`);
    // aria-disabled, not disabled: the button keeps focus when its step reaches an end
    button.setAttribute('aria-disabled', String(edge));
    button.dataset.direction = direction;
    button.addEventListener('click', () => {
      if (button.getAttribute('aria-disabled') !== 'true') {
        onClick();
      }
    });
    return button;
  }

  private move(letter: string, by: number): void {
    const from = this.order.indexOf(letter);
    const to = from + by;
    if (from < 0 || to < 0 || to >= this.order.length) {
      return;
    }
    const order = [...this.order];
    order.splice(from, 1);
    order.splice(to, 0, letter);
    void this.saveOrder(order, letter, by < 0 ? 'up' : 'down');
  }

  private async saveOrder(order: string[] | null, moved?: string, direction?: string): Promise<void> {
    if (order) {
      this.order = order;
    }
    const place = moved ? this.order.indexOf(moved) + 1 : 0;
    await this.write(
      answerLiteral({ letters: this.order, truth: null }, 'ordering'),
      moved ? `${moved} moved to place ${place} of ${this.order.length}.` : ''
    );
    if (moved && direction) {
      // keep the keyboard where it was: on the same button of the step that moved
      const item = this.list!.querySelector(`li[data-letter="${moved}"]`);
      (item?.querySelector(`button[data-direction="${direction}"]`) as HTMLElement | null)?.focus();
    }
  }

  /**
   * Drag a step by its handle (mouse, pen or touch): the step follows the pointer through the
   * list and the order is saved when it is dropped. The listeners are on the document, since
   * moving the step in the list would end a pointer capture on its handle.
   */
  private startDrag(event: PointerEvent, item: HTMLLIElement): void {
    if (event.button !== 0) {
      return;
    }
    event.preventDefault(); // no text selection, and the notebook does not take the press
    event.stopPropagation();
    const list = this.list!;
    item.classList.add('peercert-mod-dragging');
    const onMove = (e: PointerEvent) => {
      e.preventDefault();
      const siblings = [...list.children].filter(c => c !== item) as HTMLElement[];
      const before = siblings.find(c => {
        const box = c.getBoundingClientRect();
        return e.clientY < box.top + box.height / 2;
      });
      if (before && before.previousElementSibling !== item) {
        list.insertBefore(item, before);
      } else if (!before && list.lastElementChild !== item) {
        list.append(item);
      }
    };
    const onUp = () => {
      document.removeEventListener('pointermove', onMove, true);
      document.removeEventListener('pointerup', onUp, true);
      document.removeEventListener('pointercancel', onUp, true);
      item.classList.remove('peercert-mod-dragging');
      const order = [...list.children].map(c => (c as HTMLElement).dataset.letter!);
      if (order.join() !== this.order.join() || this.reading().status !== 'answered') {
        void this.saveOrder(order, item.dataset.letter);
      }
    };
    document.addEventListener('pointermove', onMove, true);
    document.addEventListener('pointerup', onUp, true);
    document.addEventListener('pointercancel', onUp, true);
  }

  private inputs: HTMLInputElement[] = [];
  private list: HTMLOListElement | null = null;
  private useOrder: HTMLButtonElement | null = null;
  private order: string[] = [];
  private status!: HTMLParagraphElement;
  private live!: HTMLParagraphElement;
}
