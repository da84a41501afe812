// Bracketed paste (ESC[?2004h) is turned on by the REPL's input in a terminal; it must be off again
// however the process ends, or the person's shell gets its pastes wrapped in ESC[200~ ... ESC[201~.
// A child process runs the built ReplInput on a stand-in terminal (streams that say they are TTYs)
// and leaves without closing it: by process.exit, or by a crash.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPL_INPUT = new URL('../dist/repl-input.js', import.meta.url).href;
const ON = '\u001b[?2004h';
const OFF = '\u001b[?2004l';

/** The child: a ReplInput on TTY-like streams (its output written straight to fd 1), then `ending`. */
const child = (ending: string) => `
import { writeSync } from 'node:fs';
import { PassThrough, Writable } from 'node:stream';
const { ReplInput } = await import(${JSON.stringify(REPL_INPUT)});
const input = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => {} });
const output = Object.assign(
  new Writable({ write(chunk, _encoding, done) { writeSync(1, chunk); done(); } }),
  { isTTY: true, columns: 80, rows: 24 },
);
new ReplInput({ input, output, history: [], historySize: 10, onInterrupt: () => {} });
${ending}
`;

function run(ending: string) {
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', child(ending)], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bracketed paste is turned off on every way out', () => {
  it('process.exit without closing the input', () => {
    const { status, stdout } = run('process.exit(3);');
    expect(status).toBe(3);
    expect(stdout).toContain(ON);
    expect(stdout.lastIndexOf(OFF)).toBeGreaterThan(stdout.lastIndexOf(ON));
  });

  it('a crash (an uncaught error)', () => {
    const { status, stdout, stderr } = run("setImmediate(() => { throw new Error('boom'); });");
    expect(status).toBe(1);
    expect(stderr).toContain('boom');
    expect(stdout).toContain(ON);
    expect(stdout.lastIndexOf(OFF)).toBeGreaterThan(stdout.lastIndexOf(ON));
  });

  it('closed normally: turned off once, and not again at exit', () => {
    const { status, stdout } = run(
      'const r = new ReplInput({ input, output, history: [], historySize: 10, onInterrupt: () => {} }); r.close(); process.exit(0);',
    );
    expect(status).toBe(0);
    // Two inputs were made: the first is left open (off at exit), the second closed (off at close, once).
    expect(stdout.split(ON).length - 1).toBe(2);
    expect(stdout.split(OFF).length - 1).toBe(2);
  });
});
