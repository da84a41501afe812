import { clearLine, createInterface, cursorTo, type Interface } from 'node:readline';
import { Transform } from 'node:stream';
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
/** Bracketed paste (xterm's mode 2004): the terminal marks a paste, so its newlines do not submit it. */
const BRACKETED_PASTE_ON = '\u001b[?2004h';
const BRACKETED_PASTE_OFF = '\u001b[?2004l';

/**
 * The longest line read from a pipe or file: readline keeps a line in one string until its newline,
 * and an endless one (`mcs-chat -i < /dev/zero`) would crash it with a RangeError.
 */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * `input` in whole lines, up to the first line longer than `max` bytes: the stream then ends after
 * the last whole line before it (the overlong line is never submitted, not even its start), `input`
 * is no longer read, and `onTooLong` is called once. The bytes of the line not yet ended wait here.
 * `release` stops reading `input` (readline closing pauses only the stream it reads, this one).
 */
function limitLines(
  input: NodeJS.ReadableStream,
  max: number,
  onTooLong: () => void,
): { lines: NodeJS.ReadableStream; release: () => void } {
  let pending: Buffer[] = [];
  let run = 0; // bytes of `pending`: the line not yet ended
  let stopped = false;
  const limiter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (stopped) return done();
      const last = chunk.lastIndexOf(10);
      // Each line that ends in this chunk must fit too: the first continues `pending`.
      for (let from = 0, newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, from)) {
        if ((from === 0 ? run : 0) + newline - from > max) return stop(chunk.subarray(0, from));
        from = newline + 1;
      }
      const tail = chunk.subarray(last + 1);
      if ((last === -1 ? run : 0) + tail.length > max)
        return stop(last === -1 ? undefined : chunk.subarray(0, last + 1));
      if (last !== -1) {
        this.push(Buffer.concat([...pending, chunk.subarray(0, last + 1)]));
        pending = [];
        run = 0;
      }
      pending.push(tail);
      run += tail.length;
      done();

      function stop(whole: Buffer | undefined) {
        stopped = true;
        if (whole && whole.length > 0) limiter.push(Buffer.concat([...pending, whole]));
        pending = [];
        input.unpipe(limiter);
        (input as { destroy?: () => void }).destroy?.();
        onTooLong();
        limiter.push(null);
        done();
      }
    },
    flush(done) {
      done(null, stopped ? undefined : Buffer.concat(pending));
    },
  });
  return {
    lines: input.pipe(limiter),
    release() {
      input.unpipe(limiter);
      input.pause();
    },
  };
}

interface Key {
  name?: string;
  meta?: boolean;
  ctrl?: boolean;
  shift?: boolean;
  sequence?: string;
}
/** readline's key handler (`Interface#_ttyWrite`, the hook Node's own REPL wraps for its editor mode). */
type KeyHandler = (text: string | undefined, key: Key | undefined) => void;

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
  /** The line readline emits next ends with a new line of the entry, not its submission (Alt-Enter, a paste). */
  #newLine = false;
  /** Inside a bracketed paste: Enter is a new line. */
  #pasting = false;
  #ended = false;
  /** Why input stopped early (a line from a pipe longer than MAX_LINE_BYTES), if it did. */
  #failure: string | undefined;
  /** Turns bracketed paste off again (once), if it was turned on. */
  #pasteOff: (() => void) | undefined;

  constructor(options: ReplInputOptions) {
    this.terminal = Boolean(options.input.isTTY && options.output.isTTY);
    const { complete } = options;
    this.#output = options.output;
    const tooLong = () => {
      this.#failure = `a line on stdin is longer than ${MAX_LINE_BYTES} bytes (1 MB): the chat stopped reading there (the lines before it were read)`;
    };
    // A terminal's lines are typed by a person; a pipe's may never end.
    const piped = this.terminal ? undefined : limitLines(options.input, MAX_LINE_BYTES, tooLong);
    this.#rl = createInterface({
      input: piped?.lines ?? options.input,
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
    if (this.terminal) this.#editKeys(options.output);
    this.#rl.setPrompt(PROMPT);
    this.#rl.on('line', (line) => this.#onLine(line));
    this.#rl.on('SIGINT', options.onInterrupt);
    this.#rl.once('close', () => {
      // readline pauses the stream it reads, the limiter, and stdin would go on being read into it:
      // a pipe still open after /exit kept the process of openLocalChat's caller alive (no process.exit there).
      piped?.release();
      this.#pasteOff?.();
      this.#ended = true;
      this.#flushBurst();
      // An entry continued into the overlong line is not sent half.
      if (this.#continued.length > 0 && !this.#failure) this.#queue.push(this.#continued.join('\n'));
      this.#continued = [];
      this.#answer(undefined);
      this.#wake();
    });
  }

  /** Whether input ended (Ctrl-D, end of the pipe) or `close` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Why input stopped before its end (a line too long to read), once it did; `undefined` otherwise. */
  get failure(): string | undefined {
    return this.#failure;
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
      const onAbort = () => {
        this.#endQuestionRow();
        this.#answer(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#question = (answer) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(answer);
      };
      this.#rl.setPrompt(question);
      this.#rl.prompt();
    });
  }

  /**
   * A question withdrawn unanswered (its turn was cancelled): what was typed is dropped and the
   * question's row ended, so what is printed next starts on a row of its own. readline's next redraw
   * goes up as many rows as the cursor was inside the (multi-line) question: it is told it is on a
   * fresh row now (`prevRows`, readline's own count), or it would clear what was printed since.
   */
  #endQuestionRow(): void {
    if (!this.terminal || this.#question === undefined) return;
    this.#rl.write(null, { ctrl: true, name: 'e' });
    this.#rl.write(null, { ctrl: true, name: 'u' });
    this.#output.write('\n');
    (this.#rl as unknown as { prevRows: number }).prevRows = 0;
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

  /**
   * Alt-Enter and the newlines of a bracketed paste start a new line of the entry: readline ends the
   * line as for Enter (it draws the new row and keeps history), and #onLine keeps it in the entry.
   * A paste is never submitted by itself: Enter after it sends the whole entry.
   */
  #editKeys(output: NodeJS.WritableStream): void {
    const rl = this.#rl as unknown as { _ttyWrite: KeyHandler };
    const write = rl._ttyWrite.bind(this.#rl);
    rl._ttyWrite = (text, key) => {
      if (key?.name === 'paste-start' || key?.name === 'paste-end') {
        this.#pasting = key.name === 'paste-start';
        return;
      }
      const enter = key?.name === 'return' || key?.name === 'enter';
      if (enter && (this.#pasting || key.meta) && !this.#question) {
        this.#newLine = true;
        // Plain Enter for readline, which ignores Alt-Enter; a CR LF pair in a paste stays one line
        // break (readline drops the LF that follows a CR).
        write(text, key.meta ? { ...key, meta: false } : key);
        this.#newLine = false;
        return;
      }
      write(text, key);
    };
    output.write(BRACKETED_PASTE_ON);
    // Left on, the person's shell would get every later paste wrapped in ESC[200~ ... ESC[201~: it
    // is turned off when the input closes, and on every other way out (process.exit, a crash), where
    // readline never closes. A terminal's stdout is written synchronously, so the exit hook's write lands.
    const off = () => {
      try {
        output.write(BRACKETED_PASTE_OFF);
      } catch {
        // The terminal went away (stdout closed): nothing to restore.
      }
    };
    process.once('exit', off);
    this.#pasteOff = () => {
      this.#pasteOff = undefined;
      process.off('exit', off);
      off();
    };
  }

  #onLine(line: string): void {
    if (this.#question) {
      this.#answer(line);
      return;
    }
    if (this.#newLine) {
      this.#continued.push(line);
      this.prompt();
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
