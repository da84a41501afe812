import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import type { Prompter } from './prompter.js';

export interface ReplInputOptions {
  input: NodeJS.ReadableStream & { isTTY?: boolean };
  output: NodeJS.WritableStream & { isTTY?: boolean };
  /** Earlier entries, newest first (terminal only: arrow-up recalls them). */
  history: readonly string[];
  historySize: number;
  /** Tab completion of the line typed so far (terminal only). */
  complete?: (line: string) => Promise<string[]>;
  /** Ctrl-C in a terminal (readline's SIGINT). */
  onInterrupt: () => void;
}

const PROMPT = '> ';
const CONTINUATION_PROMPT = '. ';

/**
 * The REPL's input: submitted entries (a line, or several joined by a trailing `\` or pasted at
 * once) wait in a queue for their turn, while a question asked during a turn (`ask`) takes the next
 * line typed instead. Readline draws the line editor in a terminal; with a pipe it only splits lines.
 */
export class ReplInput implements Prompter {
  readonly terminal: boolean;
  readonly #rl: Interface;
  readonly #output: NodeJS.WritableStream;
  readonly #queue: string[] = [];
  #waiting: ((entry: string | undefined) => void) | undefined;
  #question: ((answer: string | undefined) => void) | undefined;
  /** Lines of an entry continued with a trailing `\`. */
  #continued: string[] = [];
  /** Lines that arrived in one burst (a paste): submitted together on the next tick. */
  #burst: string[] = [];
  #ended = false;

  constructor(options: ReplInputOptions) {
    this.terminal = Boolean(options.input.isTTY && options.output.isTTY);
    const { complete } = options;
    this.#output = options.output;
    this.#rl = createInterface({
      input: options.input,
      output: options.output,
      terminal: this.terminal,
      history: [...options.history],
      historySize: Math.max(options.historySize, 1),
      removeHistoryDuplicates: true,
      ...(complete
        ? {
            completer: (line: string, callback: (error: null, result: [string[], string]) => void) => {
              complete(line).then(
                (hits) => callback(null, [hits, line]),
                () => callback(null, [[], line]),
              );
            },
          }
        : {}),
    });
    this.#rl.setPrompt(PROMPT);
    this.#rl.on('line', (line) => this.#onLine(line));
    this.#rl.on('SIGINT', options.onInterrupt);
    this.#rl.once('close', () => {
      this.#ended = true;
      this.#flushBurst();
      if (this.#continued.length > 0) this.#queue.push(this.#continued.join('\n'));
      this.#continued = [];
      this.#answer(undefined);
      this.#wake();
    });
  }

  /** Whether input ended (Ctrl-D, end of the pipe) or `close` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The text typed on the current line so far (terminal), plus continued lines. */
  get draft(): string {
    return [...this.#continued, this.#rl.line].join('\n');
  }

  /** Forgets the line being typed (Ctrl-C on a half-typed line). */
  clearDraft(): void {
    this.#continued = [];
    if (this.terminal) {
      // End of line, then delete to its start: readline redraws the (now empty) line itself.
      this.#rl.write(null, { ctrl: true, name: 'e' });
      this.#rl.write(null, { ctrl: true, name: 'u' });
      this.#rl.setPrompt(PROMPT);
      this.#rl.prompt(true);
    }
  }

  /** Prints a line above the prompt (a terminal: what was typed stays, the prompt is drawn again below). */
  notice(text: string): void {
    if (this.#ended) return;
    if (!this.terminal) {
      this.#output.write(`${text}\n`);
      return;
    }
    clearLine(this.#output, 0);
    cursorTo(this.#output, 0);
    this.#output.write(`${text}\n`);
    this.#rl.prompt(true);
  }

  /** Shows the prompt, unless input ended. */
  prompt(): void {
    if (this.#ended) return;
    this.#rl.setPrompt(this.#continued.length > 0 ? CONTINUATION_PROMPT : PROMPT);
    this.#rl.prompt();
  }

  /** The next entry, or `undefined` once input ended and every entry was taken. */
  next(): Promise<string | undefined> {
    const entry = this.#queue.shift();
    if (entry !== undefined) return Promise.resolve(entry);
    if (this.#ended) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }

  ask(question: string, signal?: AbortSignal): Promise<string | undefined> {
    if (this.#ended || signal?.aborted) return Promise.resolve(undefined);
    this.#answer(undefined);
    return new Promise((resolve) => {
      const onAbort = () => this.#answer(undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#question = (answer) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      this.#rl.setPrompt(question);
      this.#rl.prompt();
    });
  }

  close(): void {
    this.#rl.close();
  }

  #answer(answer: string | undefined): void {
    const question = this.#question;
    this.#question = undefined;
    if (question) {
      this.#rl.setPrompt(PROMPT);
      question(answer);
    }
  }

  #onLine(line: string): void {
    if (this.#question) {
      this.#answer(line);
      return;
    }
    if (!this.terminal) {
      this.#submit(line);
      return;
    }
    // Lines typed one by one arrive in separate ticks; a paste's lines arrive together.
    this.#burst.push(line);
    if (this.#burst.length === 1) setImmediate(() => this.#flushBurst());
  }

  #flushBurst(): void {
    if (this.#burst.length === 0) return;
    const lines = this.#burst;
    this.#burst = [];
    this.#submit(lines.join('\n'));
  }

  #submit(text: string): void {
    // A trailing backslash continues the entry on the next line (the backslash is dropped).
    if (text.endsWith('\\') && !this.#ended) {
      this.#continued.push(text.slice(0, -1));
      this.prompt();
      return;
    }
    const entry = [...this.#continued, text].join('\n');
    this.#continued = [];
    this.#queue.push(entry);
    this.#wake();
  }

  #wake(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    const entry = this.#queue.shift();
    if (entry === undefined && !this.#ended) return;
    this.#waiting = undefined;
    waiting(entry);
  }
}
