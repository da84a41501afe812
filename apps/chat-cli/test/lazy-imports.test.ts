// `--help` and `--version` answer from the argument parser alone: the SDK (and its MCP and OpenAI
// clients) is imported only when a chat starts, so these stay fast.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const TRACE = fileURLToPath(new URL('./fixtures/trace-imports.mjs', import.meta.url));

async function loadedModules(flag: string): Promise<{ stdout: string; loaded: string[] }> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--import', TRACE, MAIN, flag], {
    timeout: 20_000,
  });
  const loaded = stderr
    .split('\n')
    .filter((line) => line.startsWith('loaded: '))
    .map((line) => line.slice('loaded: '.length));
  return { stdout, loaded };
}

describe('mcs-chat --help / --version', () => {
  for (const flag of ['--help', '--version']) {
    it(`${flag} does not import the SDK`, async () => {
      const { stdout, loaded } = await loadedModules(flag);
      expect(stdout.trim()).not.toBe('');
      // The trace works: the entry itself is listed.
      expect(loaded.some((url) => url.endsWith('/dist/main.js'))).toBe(true);
      expect(loaded.filter((url) => /provider-sdk|@modelcontextprotocol|openai/.test(url))).toEqual([]);
    });
  }
});
