// Lints the tarballs `pnpm pack` makes, one package at a time: publint (strict, suggestions included),
// arethetypeswrong for ESM consumers (the packages are ESM only), and what neither checks: no test or
// source files shipped, no workspace:/catalog: range left, and every module the shipped code imports
// declared as a dependency (a devDependency is not installed for a user).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { problemAffectsResolutionKind } from '@arethetypeswrong/core/problems';
import type { ResolutionKind } from '@arethetypeswrong/core/types';
import { init as initLexer, parse as parseModule } from 'es-module-lexer';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PackageManifest,
  type PackedPackage,
  packPublishable,
  publishablePackages,
} from './fixtures/publishable.js';

const run = promisify(execFile);

/** attw's `esm-only` profile: CommonJS resolution (node10, node16 from a require) is out of scope. */
const esmResolutionKinds: ResolutionKind[] = ['node16-esm', 'bundler'];

let work: string;
const packed = new Map<string, PackedPackage & { contents: string }>();

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'mcs-package-lint-'));
  await mkdir(join(work, 'tarballs'));
  for (const pkg of await packPublishable(join(work, 'tarballs'))) {
    const contents = join(work, 'contents', pkg.name);
    await mkdir(contents, { recursive: true });
    await run('tar', ['-xzf', pkg.tarball, '-C', contents], { timeout: 30_000 });
    packed.set(pkg.name, { ...pkg, contents: join(contents, 'package') });
  }
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

function packageNameOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function tarballOf(name: string) {
  const pkg = packed.get(name);
  if (!pkg) throw new Error(`${name} was not packed`);
  return pkg;
}

for (const { name } of publishablePackages()) {
  describe(`the ${name} tarball`, () => {
    it('is clean for publint (strict, suggestions included)', async () => {
      const data = await readFile(tarballOf(name).tarball);
      const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
      const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
      expect(messages.map((message) => `${message.type}: ${formatMessage(message, pkg, { color: false })}`)).toEqual(
        [],
      );
    });

    it('is clean for arethetypeswrong (esm-only: node16 from ESM, bundler)', async () => {
      const analysis = await checkPackage(createPackageFromTarballData(await readFile(tarballOf(name).tarball)));
      if (analysis.types === false) throw new Error(`${name} ships no types`);
      const problems = analysis.problems.filter((problem) =>
        esmResolutionKinds.some((kind) => problemAffectsResolutionKind(problem, kind, analysis)),
      );
      expect(problems).toEqual([]);
      expect(Object.keys(analysis.entrypoints).sort()).toEqual(
        Object.keys(tarballOf(name).manifest.exports ?? {}).sort(),
      );
    });

    it('has a publishable manifest: public, ESM, engines, types-first exports, bins with a shebang', async () => {
      const { contents } = tarballOf(name);
      const manifest = JSON.parse(await readFile(join(contents, 'package.json'), 'utf8')) as PackageManifest;
      expect(manifest.private).toBeUndefined();
      expect(manifest.type).toBe('module');
      expect(manifest.engines?.node).toBe('>=22.12');
      const ranges = { ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies };
      expect(Object.entries(ranges).filter(([, range]) => /^(workspace|catalog):/.test(range))).toEqual([]);
      for (const [subpath, conditions] of Object.entries(manifest.exports ?? {})) {
        expect(Object.keys(conditions), subpath).toEqual(['types', 'import', 'default']);
      }
      for (const [bin, file] of Object.entries(manifest.bin ?? {})) {
        expect((await readFile(join(contents, file), 'utf8')).startsWith('#!/usr/bin/env node\n'), bin).toBe(true);
      }
    });

    it('ships no tests, sources or build logs', async () => {
      const files = await listFiles(tarballOf(name).contents);
      expect(files).toContain('package.json');
      expect(files.filter((file) => /(^|\/)(test|tests|src|\.turbo)\/|\.test\.|\.spec\.|tsconfig/.test(file))).toEqual(
        [],
      );
    });

    it('declares every package its shipped code imports as a dependency', async () => {
      const { contents } = tarballOf(name);
      const manifest = JSON.parse(await readFile(join(contents, 'package.json'), 'utf8')) as PackageManifest;
      const declared = new Set([
        manifest.name,
        ...Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies, ...manifest.optionalDependencies }),
      ]);
      await initLexer;
      const undeclared: string[] = [];
      for (const file of (await listFiles(contents)).filter((file) => file.endsWith('.js'))) {
        const [imports] = parseModule(await readFile(join(contents, file), 'utf8'), file);
        for (const { n: specifier } of imports) {
          if (specifier === undefined || specifier.startsWith('.') || isBuiltin(specifier)) continue;
          if (!declared.has(packageNameOf(specifier))) undeclared.push(`${file} imports ${specifier}`);
        }
      }
      expect(undeclared).toEqual([]);
    });
  });
}
