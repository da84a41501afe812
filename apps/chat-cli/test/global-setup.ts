// Builds dist/ once before the tests: they run the real artefact, `node dist/main.js`, as child processes.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
// tsc -p tsconfig.build.json, writing only what changed: other tests read dist/ meanwhile (the root test
// command built it already: a pnpm pack or deploy, the chat started from it).
const BUILD = fileURLToPath(new URL('../../../tooling/scripts/build-changed-only.mjs', import.meta.url));

export default function setup(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BUILD, 'tsconfig.build.json'], { cwd: APP_DIR, timeout: 120_000 }, (error, stdout) =>
      error
        ? reject(
            new Error(
              `build of @mcs/chat-cli failed (its dependencies need dist/: pnpm turbo run build --filter @mcs/chat-cli...): ${stdout}`,
              { cause: error },
            ),
          )
        : resolve(),
    );
  });
}
