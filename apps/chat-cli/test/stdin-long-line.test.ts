// A line on a piped stdin that never ends (`mcs-chat -i < /dev/zero`) crashed node:readline with a
// RangeError once the line outgrew a string. The REPL reads at most MAX_LINE_BYTES per line: the
// lines before are answered, then it stops with one clear message and exit code 2. Here 50 MB of
// 'a' without a newline (bounded, unlike /dev/zero) stand for the endless line.
import { describe, expect, it } from 'vitest';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(undefined);

describe('mcs-chat -i with an overlong line on stdin', () => {
  it('answers the lines before it, then exits 2 with a clear message, no stack trace and no turn for it', async () => {
    chat.model.script([{ text: 'first answer' }]);
    const cli = chat.start();
    // mcs-chat stops reading at the limit: the rest of the 50 MB is refused by the closed pipe (EPIPE).
    cli.child.stdin?.on('error', () => {});
    await cli.waitForStdout('> ');
    cli.line('first question');
    cli.child.stdin?.end(Buffer.alloc(50 * 1024 * 1024, 'a'));
    const code = await cli.exited(60_000);
    expect(cli.stdout()).toContain('first answer');
    expect(code).toBe(2);
    expect(cli.stderr()).toContain('a line on stdin is longer than 1048576 bytes (1 MB)');
    expect(cli.stderr()).not.toMatch(/RangeError|\n\s+at /);
    // The first question reached the model; the cut line was not sent.
    const sent = JSON.stringify(chat.model.requests);
    expect(sent).toContain('first question');
    expect(sent).not.toContain('a'.repeat(1000));
  });
});
