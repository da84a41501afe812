import type { StreamPart } from '@mcs/provider-sdk';
import { describe, expect, it } from 'vitest';
import { createTerminalOutput } from './terminal-output.js';

/** A terminal-sized stream that keeps what was written. */
function screen(columns = 60, rows = 12) {
  const chunks: string[] = [];
  return {
    stdout: { isTTY: true, columns, rows, write: (chunk: string) => chunks.push(chunk) > 0 } as never,
    written: () => chunks.join(''),
  };
}

const ESC = String.fromCharCode(27);
const text = (value: string): StreamPart => ({ type: 'text-delta', step: 1, text: value });
const finish = { type: 'finish' } as StreamPart;
const start = { type: 'start', requestId: 'r1', model: 'm', tools: [] } as unknown as StreamPart;

describe('terminal output', () => {
  it('NO_COLOR: the answer as written, no colour codes in it', async () => {
    const { stdout, written } = screen();
    const output = createTerminalOutput({ stdout, markdown: false, color: false });
    output.part(start);
    output.part(text('# Title\n\nSome **bold**.\n\n'));
    output.part(finish);
    await output.turnEnded();
    // Without log-update's own cursor moves and synchronized-output brackets, only the text is left.
    const shown = written()
      .replaceAll(`${ESC}[?2026h`, '')
      .replaceAll(`${ESC}[?2026l`, '')
      .replaceAll(`${ESC}[2K`, '')
      .replaceAll(`${ESC}[1A`, '')
      .replaceAll(`${ESC}[G`, '');
    expect(shown).toContain('# Title\n');
    expect(shown).toContain('Some **bold**.\n');
    expect(shown).not.toContain(ESC);
  });

  it('a spinner waits for the first token, and is gone once the answer streams', async () => {
    const { stdout, written } = screen();
    const output = createTerminalOutput({ stdout, markdown: false, color: false });
    output.part(start);
    expect(written()).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] waiting for the model…/);
    const before = written().length;
    output.part(text('Hello.\n\n'));
    output.part(finish);
    await output.turnEnded();
    const after = written().slice(before);
    expect(after).toContain('Hello.');
    expect(after).not.toContain('waiting for the model');
  });

  it('a terminal that reports no size (0 columns and rows) gets lines as wide as a default one, not a character per line', async () => {
    const { stdout, written } = screen(0, 0);
    const output = createTerminalOutput({ stdout, markdown: false, color: false });
    output.part(start);
    output.part(text('Hello there, this is one line.\n\n'));
    output.part(finish);
    await output.turnEnded();
    expect(written()).toContain('Hello there, this is one line.');
  });

  it('removes control characters from the model text (no escape sequence reaches the screen)', async () => {
    const { stdout, written } = screen();
    const output = createTerminalOutput({ stdout, markdown: false, color: false });
    output.part(start);
    output.part(text(`safe ${ESC}]0;evil title\u0007${ESC}[31mred\n\n`));
    output.part(finish);
    await output.turnEnded();
    expect(written()).toContain('safe ]0;evil title[31mred');
    expect(written()).not.toContain(`${ESC}]0;`);
    expect(written()).not.toContain(`${ESC}[31m`);
  });

  it('a code block taller than the screen is given out plain as it comes, all its lines before what follows', async () => {
    const { stdout, written } = screen(60, 8);
    const output = createTerminalOutput({ stdout, markdown: true, color: true });
    const lines = Array.from({ length: 30 }, (_, index) => `line ${index}`);
    output.part(start);
    output.part(text(`\`\`\`\n${lines.join('\n')}\n`));
    await new Promise((resolve) => setTimeout(resolve, 120));
    output.part(text('```\n\nafter'));
    output.part(finish);
    await output.turnEnded();
    const shown = written();
    // Every line of the code block was printed (the live copies of the tail are erased again).
    for (const line of lines) expect(shown).toContain(`${line}\n`);
    expect(shown.lastIndexOf('after')).toBeGreaterThan(shown.lastIndexOf('line 29'));
  });
});
