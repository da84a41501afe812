/** A piece of the answer that will not change any more: render it once and keep it on screen. */
export interface FinishedBlock {
  /** The block's Markdown source (no trailing newline). */
  text: string;
  /** `false`: show `text` as it is (a block whose start was already shown plain, see `takeTailLines`). */
  markdown: boolean;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/**
 * Splits streamed Markdown into finished blocks and the live tail. A block is finished at a blank
 * line outside a code fence, at its closing fence, or (a heading) at its end of line; everything
 * after the last finished block is the tail, which may still change meaning (a `|` row may become
 * a table, a line may become a list) and is shown plain until its block ends.
 */
export class MarkdownBlocks {
  /** Text not yet part of a finished block. */
  #pending = '';
  /** Offset in `#pending` up to which whole lines were scanned. */
  #scanned = 0;
  /** The open fence's marker (``` or ~~~, with its length), while inside a code block. */
  #fence: string | undefined;
  /** The current block's start was already shown plain: the rest of it is shown plain too. */
  #plain = false;
  /** What was finished last: a blank-line separator follows only a block. */
  #last: 'none' | 'block' | 'separator' = 'none';
  readonly #finished: FinishedBlock[] = [];

  /** The live tail: text after the last finished block. */
  get tail(): string {
    return this.#pending;
  }

  push(text: string): void {
    this.#pending += text;
    this.#scan();
  }

  /** Blocks finished since the last call, in order; a blank-line separator is an empty `text`. */
  take(): FinishedBlock[] {
    return this.#finished.splice(0);
  }

  /** The end of the answer: every block is finished, the tail included. */
  end(): FinishedBlock[] {
    this.#scan();
    const rest = this.#pending.replace(/\n+$/, '');
    if (rest.trim() !== '') this.#finished.push({ text: rest, markdown: !this.#plain });
    this.#reset();
    this.#last = 'none';
    return this.take();
  }

  /**
   * Gives up the tail's whole lines, to be shown plain now (the tail grew taller than the screen,
   * so it cannot be redrawn in place); the rest of their block stays plain.
   */
  takeTailLines(): string {
    const end = this.#pending.lastIndexOf('\n') + 1;
    const lines = this.#pending.slice(0, end);
    if (lines === '') return '';
    this.#pending = this.#pending.slice(end);
    this.#scanned = Math.max(0, this.#scanned - end);
    this.#plain = true;
    this.#last = 'block';
    return lines;
  }

  #reset(): void {
    this.#pending = '';
    this.#scanned = 0;
    this.#fence = undefined;
    this.#plain = false;
  }

  #separator(): void {
    if (this.#last !== 'block') return;
    this.#finished.push({ text: '', markdown: false });
    this.#last = 'separator';
  }

  #finish(end: number, separator: boolean): void {
    const text = this.#pending.slice(0, end).replace(/\n+$/, '');
    if (text.trim() !== '') {
      this.#finished.push({ text, markdown: !this.#plain });
      this.#last = 'block';
    }
    if (separator) this.#separator();
    this.#pending = this.#pending.slice(end);
    this.#scanned = 0;
    this.#plain = false;
  }

  #scan(): void {
    for (;;) {
      const newline = this.#pending.indexOf('\n', this.#scanned);
      if (newline === -1) return;
      const line = this.#pending.slice(this.#scanned, newline);
      const lineStart = this.#scanned;
      this.#scanned = newline + 1;
      const fence = FENCE.exec(line)?.[1];
      if (this.#fence !== undefined) {
        // Closed by a fence of the same character at least as long, with nothing after it.
        if (fence && fence[0] === this.#fence[0] && fence.length >= this.#fence.length && line.trim() === fence) {
          this.#fence = undefined;
          this.#finish(this.#scanned, false);
        }
        continue;
      }
      if (fence) {
        // A fence opens a new block: what came before it is one already.
        if (lineStart > 0) {
          this.#finish(lineStart, false);
          this.#scanned = line.length + 1;
        }
        this.#fence = fence;
        continue;
      }
      if (line.trim() === '') {
        // Blank lines between blocks collapse into one separator.
        if (this.#pending.slice(0, lineStart).trim() === '') {
          this.#pending = this.#pending.slice(this.#scanned);
          this.#scanned = 0;
          this.#plain = false;
          this.#separator();
        } else {
          this.#finish(this.#scanned, true);
        }
        continue;
      }
      if (/^ {0,3}#{1,6}(\s|$)/.test(line) && this.#pending.slice(0, lineStart).trim() === '') {
        this.#finish(this.#scanned, false);
      }
    }
  }
}
