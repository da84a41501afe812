// The README's `ts` examples type-check against the package's source (imported by its own name, as a
// user would), so the documentation cannot drift from the API.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

/** Nothing: every example declares what it uses, so that it compiles as written. */
const prelude = '';

it('every ts example of the README type-checks', async () => {
  const readme = await readFile(join(packageDir, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  // Inside the package, so that `@mcs/provider-sdk` resolves to it (the `@mcs/source` condition: src/).
  const dir = await mkdtemp(join(packageDir, 'test', '.readme-'));
  try {
    const files = await Promise.all(
      blocks.map(async (block, index) => {
        const file = `example-${index + 1}.ts`;
        await writeFile(join(dir, file), `${prelude}${block}\nexport {};\n`);
        return file;
      }),
    );
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: '@mcs/tsconfig/base.json',
        compilerOptions: { noEmit: true, customConditions: ['@mcs/source'], noUnusedLocals: false },
        files,
      }),
    );
    const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], {
      cwd: dir,
    }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
