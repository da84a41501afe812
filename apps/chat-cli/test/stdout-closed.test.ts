// `mcs-chat -p ... --json | head -1`: the reader closes stdout early; the CLI must end quietly with 0.
import { describe, expect, it } from 'vitest';
import { everythingConfig } from './cli-process.js';
import { useScriptedChat } from './scripted-chat.js';

const chat = useScriptedChat(everythingConfig());

describe('stdout closed by the reader', () => {
  it('ends with status 0 and no EPIPE error when stdout is closed after the first line', async () => {
    // The first line is the tool call; the real server's tool then runs for a second, so the later
    // lines are written after the pipe is closed.
    chat.model.script([
      {
        toolCalls: [
          { id: 'call_1', name: 'everything__trigger-long-running-operation', arguments: { duration: 1, steps: 1 } },
        ],
      },
      { text: ['a', 'b', 'c', 'd'] },
    ]);
    const run = chat.start(['--json', '-p', 'Echo']);
    run.child.stdin?.end();
    await run.waitForStdout('\n');
    run.child.stdout?.destroy();
    const code = await run.exited();
    expect(run.stderr()).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
