/**
 * Reading and writing the answer cell's literal, the single source of truth.
 *
 * An answer cell holds comment lines and one binding such as `answer_3 = "B"`. These functions
 * mirror `peercert.answers` (a cell is data only if every line is a comment or a
 * `name = literal` binding) and `peercert.scoring.normalize` (which spellings an answer may
 * take), so what the controls show is what the graders read.
 */

export type Kind = 'single' | 'multiple' | 'ordering' | 'truefalse';
export const KINDS: readonly Kind[] = ['single', 'multiple', 'ordering', 'truefalse'];

/** A Python literal: str, bool, None, int or a list/tuple of them. */
export type PyValue = string | boolean | number | null | PyValue[];

export interface IReading {
  /** blank: no answer yet; answered: a readable answer; unreadable: typed but not readable. */
  status: 'blank' | 'answered' | 'unreadable';
  /** Chosen letters (single: one; multiple: in letter order; ordering: the order). */
  letters: string[];
  /** A true/false answer. */
  truth: boolean | null;
  /** The answer's source text as typed, for messages. */
  typed: string;
}

const BINDING = /^\s*([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=)(.*)$/;

class LiteralParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  /** The literal filling the whole text (a trailing comment allowed); throws if none. */
  parseAll(): PyValue {
    const items: PyValue[] = [this.value()];
    let tuple = false;
    while (this.peek() === ',') {
      this.pos++;
      tuple = true;
      if (this.atEnd()) {
        break;
      }
      items.push(this.value());
    }
    if (!this.atEnd()) {
      throw new Error('not a literal');
    }
    return tuple ? items : items[0];
  }

  private atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length || this.text[this.pos] === '#';
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) {
      this.pos++;
    }
  }

  private peek(): string {
    this.skipSpace();
    return this.text[this.pos] ?? '';
  }

  private value(): PyValue {
    const c = this.peek();
    if (c === '"' || c === "'") {
      let s = this.string();
      while (this.peek() === '"' || this.peek() === "'") {
        s += this.string(); // implicit concatenation, as Python reads it
      }
      return s;
    }
    if (c === '[' || c === '(' || c === '{') {
      return this.sequence({ '[': ']', '(': ')', '{': '}' }[c] as string);
    }
    const word = /^(True|False|None|-?\d+)\b/.exec(this.text.slice(this.pos));
    if (!word) {
      throw new Error('not a literal');
    }
    this.pos += word[0].length;
    if (word[1] === 'True' || word[1] === 'False') {
      return word[1] === 'True';
    }
    return word[1] === 'None' ? null : Number(word[1]);
  }

  private sequence(close: string): PyValue {
    this.pos++;
    const items: PyValue[] = [];
    let commas = 0;
    while (this.peek() !== close) {
      if (this.pos >= this.text.length) {
        throw new Error('unclosed');
      }
      items.push(this.value());
      if (this.peek() === ',') {
        this.pos++;
        commas++;
      } else if (this.peek() !== close) {
        throw new Error('not a literal');
      }
    }
    this.pos++;
    // (x) is x itself; (x,), [x] and {x} are sequences (a set reads as its items)
    return close === ')' && items.length === 1 && commas === 0 ? items[0] : items;
  }

  private string(): string {
    const quote = this.text[this.pos];
    const triple = this.text.startsWith(quote.repeat(3), this.pos);
    const end = triple ? quote.repeat(3) : quote;
    this.pos += end.length;
    let out = '';
    while (!this.text.startsWith(end, this.pos)) {
      if (this.pos >= this.text.length || (!triple && this.text[this.pos] === '\n')) {
        throw new Error('unclosed string');
      }
      let c = this.text[this.pos++];
      if (c === '\\') {
        const next = this.text[this.pos++] ?? '';
        c = next === 'n' ? '\n' : next === 't' ? '\t' : next;
      }
      out += c;
    }
    this.pos += end.length;
    return out;
  }
}

/** The literal of `text`, or undefined when Python would not read it as one. */
export function parseLiteral(text: string): PyValue | undefined {
  try {
    return new LiteralParser(text).parseAll();
  } catch {
    return undefined;
  }
}

/** A line that is a constant on its own (Python's `ast.Constant` expression statement). */
function isConstant(text: string): boolean {
  const value = parseLiteral(text);
  return value !== undefined && !Array.isArray(value);
}

interface IBinding {
  name: string;
  value: string;
}

/** The cell's bindings, or null when a line is code that peercert does not run. */
export function bindings(source: string): IBinding[] | null {
  const out: IBinding[] = [];
  for (const line of source.split('\n')) {
    const text = line.trim();
    if (!text || text.startsWith('#')) {
      continue;
    }
    if (text === 'pass' || isConstant(text)) {
      continue; // inert, as in peercert.answers: a bare "B" binds nothing
    }
    const m = BINDING.exec(line);
    if (!m || parseLiteral(m[2]) === undefined) {
      return null;
    }
    out.push({ name: m[1], value: m[2].trim() });
  }
  return out;
}

const TRUE = new Set(['true', 't', 'yes', 'y']);
const FALSE = new Set(['false', 'f', 'no', 'n']);

function isBlank(value: PyValue | undefined): boolean {
  return (
    value === null ||
    value === undefined ||
    (typeof value === 'string' && !value.trim()) ||
    (Array.isArray(value) && value.length === 0)
  );
}

function letterTokens(value: PyValue, letters: string): string[] | null {
  let tokens: string[];
  if (Array.isArray(value)) {
    if (!value.every(x => typeof x === 'string')) {
      return null;
    }
    tokens = (value as string[]).map(x => x.trim());
  } else if (typeof value === 'string') {
    tokens = (value.match(/[A-Za-z]+/g) ?? []).filter(t => t.toLowerCase() !== 'and');
    if (tokens.length === 1 && tokens[0].length > 1) {
      tokens = tokens[0].split('');
    }
  } else {
    return null;
  }
  const out = tokens.map(t => t.toUpperCase());
  return out.every(t => t.length === 1 && letters.includes(t)) ? out : null;
}

/** An answer value read as `peercert.scoring.normalize` reads it. */
export function normalize(value: PyValue | undefined, kind: Kind, letters: string): IReading {
  const typed = '';
  if (isBlank(value)) {
    return { status: 'blank', letters: [], truth: null, typed };
  }
  const unreadable: IReading = { status: 'unreadable', letters: [], truth: null, typed };
  if (kind === 'truefalse') {
    if (typeof value === 'boolean') {
      return { status: 'answered', letters: [], truth: value, typed };
    }
    const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
    if (TRUE.has(text) || FALSE.has(text)) {
      return { status: 'answered', letters: [], truth: TRUE.has(text), typed };
    }
    return unreadable;
  }
  const chosen = letterTokens(value as PyValue, letters);
  if (chosen === null) {
    return unreadable;
  }
  if (kind === 'single') {
    return chosen.length === 1 ? { ...unreadable, status: 'answered', letters: chosen } : unreadable;
  }
  if (new Set(chosen).size !== chosen.length) {
    return unreadable;
  }
  if (kind === 'multiple') {
    return { ...unreadable, status: 'answered', letters: [...chosen].sort() };
  }
  const all = [...letters].sort().join('');
  return [...chosen].sort().join('') === all
    ? { ...unreadable, status: 'answered', letters: chosen }
    : unreadable;
}

/** What the answer cell's source says, for the item's kind and option letters. */
export function readAnswer(source: string, kind: Kind, letters: string): IReading {
  const bound = bindings(source);
  if (bound === null) {
    return { status: 'unreadable', letters: [], truth: null, typed: source.trim() };
  }
  if (bound.length === 0) {
    return { status: 'blank', letters: [], truth: null, typed: '' };
  }
  const last = bound[bound.length - 1];
  return { ...normalize(parseLiteral(last.value), kind, letters), typed: last.value };
}

/** The literal the controls write: `"B"`, `"A, C"`, `"C, A, D, B"`, `"True"` or `""`. */
export function answerLiteral(reading: Pick<IReading, 'letters' | 'truth'>, kind: Kind): string {
  if (kind === 'truefalse') {
    return reading.truth === null ? '""' : `"${reading.truth ? 'True' : 'False'}"`;
  }
  return `"${reading.letters.join(', ')}"`;
}

/** The answer variable a cell binds (`answer_3`), if it can be found. */
export function answerName(source: string): string | null {
  let name: string | null = null;
  for (const line of source.split('\n')) {
    const m = BINDING.exec(line);
    if (m && !line.trim().startsWith('#')) {
      name = m[1];
    }
  }
  return name;
}

/**
 * The cell's source with its answer set to `literal`: the comment lines that open the cell
 * (the hint the quiz was built with), then `name = literal`. Anything else typed is replaced.
 */
export function withAnswer(source: string, name: string, literal: string): string {
  const head: string[] = [];
  for (const line of source.split('\n')) {
    if (line.trim().startsWith('#')) {
      head.push(line);
    } else if (line.trim()) {
      break;
    }
  }
  return [...head, `${name} = ${literal}`].join('\n');
}

/** Option letters and texts from the question cell's markdown (`- **A.** text`). */
export function optionsFromMarkdown(markdown: string, letters: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const line of markdown.split('\n')) {
    const m = /^\s*[-*+]\s+\*\*([A-Z])\.\*\*\s*(.*?)\s*$/.exec(line);
    if (m && letters.includes(m[1]) && !found.has(m[1])) {
      found.set(m[1], m[2]);
    }
  }
  return new Map([...letters].map(letter => [letter, found.get(letter) ?? '']));
}
