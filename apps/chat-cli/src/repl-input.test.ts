import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES, ReplInput } from './repl-input.js';

/** A ReplInput on a pipe fed `chunks`, read to its end: the entries, and why it stopped. */
async function readAll(chunks: (string | Buffer)[]): Promise<{ entries: string[]; failure: string | undefined }> {
  const input = new PassThrough();
  const output = new Writable({ write: (_chunk, _encoding, done) => done() });
  const repl = new ReplInput({ input, output, history: [], historySize: 1, onInterrupt: () => {} });
  for (const chunk of chunks) input.write(chunk);
  input.end();
  const entries: string[] = [];
  for (let entry = await repl.next(); entry !== undefined; entry = await repl.next()) entries.push(entry);
  return { entries, failure: repl.failure };
}

describe('ReplInput on a pipe: the line length is bounded', () => {
  it('lines up to MAX_LINE_BYTES are read whole, across chunks, and the last one needs no newline', async () => {
    const long = 'b'.repeat(MAX_LINE_BYTES);
    const { entries, failure } = await readAll(['one\ntw', 'o\n', long.slice(0, 1000), `${long.slice(1000)}\nlast`]);
    expect(entries).toEqual(['one', 'two', long, 'last']);
    expect(failure).toBeUndefined();
  });

  it('a longer line (in one chunk or over several) stops the input after the lines before it; none of it is an entry', async () => {
    const over = 'c'.repeat(MAX_LINE_BYTES + 1);
    for (const chunks of [[`one\n${over}\nnever\n`], ['one\n', over.slice(0, 10), over.slice(10), '\nnever\n']]) {
      const { entries, failure } = await readAll(chunks);
      expect(entries).toEqual(['one']);
      expect(failure).toContain(`a line on stdin is longer than ${MAX_LINE_BYTES} bytes`);
    }
  });
});

describe('ReplInput on a pipe: closing it stops reading the pipe', () => {
  it('close() while the pipe is still open leaves it paused and unpiped (it would keep the process alive)', async () => {
    const input = new PassThrough();
    const output = new Writable({ write: (_chunk, _encoding, done) => done() });
    const repl = new ReplInput({ input, output, history: [], historySize: 1, onInterrupt: () => {} });
    input.write('/exit\n');
    expect(await repl.next()).toBe('/exit');
    expect(input.readableFlowing).toBe(true);
    repl.close();
    expect(repl.ended).toBe(true);
    expect(input.readableFlowing).toBe(false);
    expect(input.listenerCount('data')).toBe(0);
  });
});
