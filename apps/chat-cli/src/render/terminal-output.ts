import type { StreamPart } from '@mcs/provider-sdk';
import { createLogUpdate } from 'log-update';
import type { ChatEvent } from './chat-event.js';
import { type FinishedBlock, MarkdownBlocks } from './markdown-blocks.js';
import { loadMarkdownRenderer, type MarkdownRenderer } from './markdown-renderer.js';
import { oneLine, progressBar, resultSummary, shortArgs, terminalSafe, toolLabel } from './tool-line.js';

export interface TerminalOutputOptions {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  /** Render finished Markdown blocks (off with `NO_COLOR`: the answer is shown as the model wrote it). */
  markdown: boolean;
  /** Colours and text styles (off with `NO_COLOR`). */
  color: boolean;
}

/** The terminal side of an `Output`: what `createOutput` adds for a person at a terminal. */
export interface TerminalOutput {
  part(part: StreamPart): void;
  event(event: ChatEvent): void;
  status(text: string): void;
  turnEnded(): Promise<void>;
  question<T>(ask: () => Promise<T>): Promise<T>;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Redraws at most this often: a token stream of hundreds of deltas a second is drawn ~20 times a second. */
const DRAW_INTERVAL_MS = 50;
const SPINNER_INTERVAL_MS = 80;

interface RunningTool {
  name: string;
  args: Record<string, unknown>;
  progress?: number;
  total?: number;
  message?: string;
}

/** Something to print once, in order: a finished Markdown block or a line (status, tool result, command output). */
type Permanent = { block: FinishedBlock } | { line: string };

/**
 * The chat on a terminal. The screen has a permanent part (finished answer blocks rendered as
 * Markdown, tool results, status lines: printed once, never redrawn) and a live part below it,
 * redrawn in place (log-update: only changed lines, in one synchronized-output write, so it does not
 * flicker): the answer's unfinished tail as plain text, a spinner until the first token, and one
 * updating line per running tool with its progress bar. Everything goes to stdout (stderr is the
 * same terminal), so the order on screen is the order of events.
 */
export function createTerminalOutput(options: TerminalOutputOptions): TerminalOutput {
  const { stdout } = options;
  // A terminal that reports no size (0 x 0: `script` without one, a container before its first
  // resize) is taken as 80 x 24: log-update would wrap every character onto a line of its own.
  const columns = () => Math.max(20, stdout.columns || 80);
  const rows = () => Math.max(5, stdout.rows || 24);
  const sized = {
    isTTY: stdout.isTTY,
    write: (chunk: string) => stdout.write(chunk),
    get columns() {
      return columns();
    },
    get rows() {
      return rows();
    },
  } as unknown as NodeJS.WriteStream;
  const log = createLogUpdate(sized, { showCursor: true });
  const style = (open: number, close: number) => (text: string) =>
    options.color ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  const dim = style(2, 22);
  const red = style(31, 39);
  const green = style(32, 39);
  const cyan = style(36, 39);

  let blocks = new MarkdownBlocks();
  let renderer: MarkdownRenderer | undefined;
  let rendererLoading: Promise<unknown> | undefined;
  const queue: Permanent[] = [];
  const tools = new Map<string, RunningTool>();
  let spinning = false;
  let tick = 0;
  let ticker: NodeJS.Timeout | undefined;
  let drawTimer: NodeJS.Timeout | undefined;
  let frameShown = false;
  let suspended = false;

  const loadRenderer = () => {
    if (!options.markdown || rendererLoading) return;
    rendererLoading = loadMarkdownRenderer().then(
      (loaded) => {
        renderer = loaded;
        schedule();
      },
      () => {
        // Markdown cannot be rendered here: the answer is shown as written.
        options.markdown = false;
        schedule();
      },
    );
  };

  const plainOf = (item: Permanent): string => ('line' in item ? item.line : terminalSafe(item.block.text));
  const renderedOf = (item: Permanent): string => {
    if ('line' in item) return item.line;
    const { text, markdown } = item.block;
    if (!markdown || !options.markdown || !renderer) return terminalSafe(text);
    return renderer(terminalSafe(text), columns());
  };
  /** The head of the queue waits for the renderer when it is a Markdown block and the renderer is still loading. */
  const blocked = (item: Permanent) => 'block' in item && item.block.markdown && options.markdown && !renderer;

  const liveLines = (): string[] => {
    const frame = SPINNER[tick % SPINNER.length]!;
    const lines: string[] = [];
    if (spinning) lines.push(dim(`${frame} waiting for the model…`));
    for (const tool of tools.values()) {
      const progress =
        tool.progress !== undefined
          ? ` ${progressBar(tool.progress, tool.total)}${tool.message ? ` ${oneLine(tool.message, 60)}` : ''}`
          : '';
      const head = `${frame} ${toolLabel(tool.name)}`;
      const room = columns() - head.length - progress.length - 2;
      const args = room > 8 ? ` ${shortArgs(tool.args, room)}` : '';
      lines.push(`${cyan(head)}${dim(args)}${progress}`);
    }
    return lines;
  };

  const draw = () => {
    clearTimeout(drawTimer);
    drawTimer = undefined;
    if (suspended) return;
    for (const block of blocks.take()) queue.push({ block });
    while (queue.length > 0 && !blocked(queue[0]!)) {
      const item = queue.shift()!;
      log.persist(renderedOf(item));
      frameShown = false;
    }
    const live = liveLines();
    // A tail taller than the screen cannot be redrawn in place: its whole lines become permanent, plain.
    const width = columns();
    const tailRows = blocks.tail
      .split('\n')
      .reduce((sum, line) => sum + Math.max(1, Math.ceil(line.length / width)), 0);
    if (queue.length === 0 && tailRows + live.length > rows() - 2) {
      const lines = blocks.takeTailLines().replace(/\n$/, '');
      if (lines !== '') {
        log.persist(terminalSafe(lines));
        frameShown = false;
      }
    }
    const tail = terminalSafe(blocks.tail.replace(/\n$/, ''));
    const frame = [...queue.map(plainOf), ...(tail !== '' ? [tail] : []), ...live].join('\n');
    if (frame === '') {
      if (frameShown) log.clear();
      frameShown = false;
      return;
    }
    log(frame);
    frameShown = true;
  };

  const schedule = () => {
    drawTimer ??= setTimeout(draw, DRAW_INTERVAL_MS);
  };

  /** Keeps the spinner and the tool lines turning while there is something live. */
  const animate = () => {
    const live = spinning || tools.size > 0;
    if (live && !ticker) {
      ticker = setInterval(() => {
        tick += 1;
        draw();
      }, SPINNER_INTERVAL_MS);
      ticker.unref();
    } else if (!live && ticker) {
      clearInterval(ticker);
      ticker = undefined;
    }
  };

  const permanent = (line: string) => {
    queue.push({ line });
    draw();
  };

  /** The answer so far is finished (a tool call follows, or the turn ended): all of it becomes permanent. */
  const endText = () => {
    for (const block of blocks.end()) queue.push({ block });
    blocks = new MarkdownBlocks();
  };

  const status = (text: string) => permanent(dim(terminalSafe(text)));

  const event = (chatEvent: ChatEvent) => {
    switch (chatEvent.type) {
      case 'info':
        endText();
        permanent(terminalSafe(chatEvent.text));
        return;
      case 'error':
        endText();
        spinning = false;
        animate();
        if (chatEvent.code === 'CANCELLED') status('(answer cancelled)');
        else permanent(red(`mcs-chat: ${terminalSafe(chatEvent.message)} [${chatEvent.code}]`));
        return;
      case 'servers-unavailable':
        status(
          `MCP server(s) left out of this turn: ${chatEvent.servers.map(({ server, status }) => `${server} (${status})`).join(', ')}`,
        );
        return;
      case 'retry':
        status(
          `retrying ${chatEvent.policy} in ${chatEvent.delayMs} ms (${chatEvent.category}: ${oneLine(chatEvent.message, 200)})`,
        );
        return;
      case 'model-fallback':
        status(`model ${chatEvent.from} failed (${oneLine(chatEvent.message, 200)}); asking ${chatEvent.to}`);
        return;
      default:
        // Turn steps arrive as stream parts (`part`); nothing else reaches here.
        return;
    }
  };

  const part = (streamPart: StreamPart) => {
    switch (streamPart.type) {
      case 'start':
        loadRenderer();
        spinning = true;
        animate();
        draw();
        return;
      case 'step-start':
        // After tool results the model is asked again: wait with the spinner until it writes.
        if (tools.size === 0 && blocks.tail === '') {
          spinning = true;
          animate();
        }
        return;
      case 'text-delta':
        if (streamPart.text === '') return;
        if (spinning) {
          spinning = false;
          animate();
        }
        blocks.push(streamPart.text);
        schedule();
        return;
      case 'tool-call':
        endText();
        spinning = false;
        tools.set(streamPart.id, { name: streamPart.name, args: streamPart.args });
        animate();
        draw();
        return;
      case 'tool-progress': {
        const tool = tools.get(streamPart.id);
        if (!tool) return;
        tool.progress = streamPart.progress;
        if (streamPart.total !== undefined) tool.total = streamPart.total;
        if (streamPart.message !== undefined) tool.message = streamPart.message;
        schedule();
        return;
      }
      case 'tool-result': {
        const tool = tools.get(streamPart.id);
        tools.delete(streamPart.id);
        animate();
        const label = toolLabel(streamPart.name);
        const head = `${streamPart.isError ? red('✗') : green('✓')} ${label}`;
        const args = tool ? shortArgs(tool.args, Math.floor(columns() / 3)) : '';
        const room = Math.max(10, columns() - label.length - args.length - 6);
        const summary = streamPart.error
          ? oneLine(streamPart.error.message, room)
          : resultSummary(streamPart.parts, streamPart.content, room);
        permanent(`${head}${args ? ` ${dim(args)}` : ''} → ${streamPart.isError ? red(summary) : summary}`);
        return;
      }
      case 'finish':
        endText();
        spinning = false;
        animate();
        draw();
        return;
      case 'error':
        event({ type: 'error', code: streamPart.error.code, message: streamPart.error.message });
        return;
      case 'retry':
        event({
          type: 'retry',
          policy: streamPart.target === 'model' ? `model:${streamPart.model}` : streamPart.backend,
          attempt: streamPart.attempt,
          delayMs: streamPart.delayMs,
          category: streamPart.category,
          message: streamPart.error.message,
        });
        return;
      case 'model-fallback':
        event({ type: 'model-fallback', from: streamPart.from, to: streamPart.to, message: streamPart.error.message });
        return;
      case 'backends-unavailable':
        event({
          type: 'servers-unavailable',
          servers: streamPart.unavailable.map(({ backend, status, error }) => ({
            server: backend,
            status,
            message: error.message,
          })),
        });
        return;
      case 'step-finish':
      case 'tool-error':
      case 'abort':
        return;
    }
  };

  return {
    part,
    event,
    status,
    async turnEnded() {
      endText();
      spinning = false;
      tools.clear();
      animate();
      // The last blocks wait for the renderer (it loads in the background from the turn's start).
      if (queue.some(blocked)) await rendererLoading;
      draw();
      if (frameShown) log.clear();
      frameShown = false;
      log.done();
    },
    async question(ask) {
      // The question is asked below everything shown so far; the live part stands still meanwhile.
      endText();
      if (queue.some(blocked)) await rendererLoading;
      draw();
      if (frameShown) log.clear();
      frameShown = false;
      suspended = true;
      try {
        return await ask();
      } finally {
        suspended = false;
        log.done();
        draw();
      }
    },
  };
}
