import { readdirSync, readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { ContentParseError, type ContentParseErrorCode } from '../src/index.js';

/** Runs `action`, asserts it throws a ContentParseError with `code`, and returns the error. */
export function expectParseError(action: () => unknown, code: ContentParseErrorCode): ContentParseError {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(ContentParseError.isInstance(thrown), `expected a ContentParseError, got ${String(thrown)}`).toBe(true);
  const error = thrown as ContentParseError;
  expect(error.code, error.message).toBe(code);
  expect(error).toBeInstanceOf(ContentParseError);
  return error;
}

export interface Fixture {
  recordedWith: { server: { name: string; version: string }; serverPackage: string };
  kind: 'tool' | 'resource' | 'prompt' | 'tools-list';
  request: { name?: string; uri?: string; arguments?: Record<string, unknown> };
  tool?: { name: string; outputSchema?: Record<string, unknown> };
  result: Record<string, unknown>;
  tools?: { name: string; recorded: string[]; skipped?: string }[];
}

const fixturesDir = new URL('../src/__fixtures__/', import.meta.url);

export function fixtureFiles(): string[] {
  return readdirSync(fixturesDir)
    .filter((name) => name.endsWith('.json'))
    .sort();
}

export function loadFixture(file: string): Fixture {
  return JSON.parse(readFileSync(new URL(file, fixturesDir), 'utf8')) as Fixture;
}

/** Decoded size of standard padded base64, from its length alone (what a decoder must produce). */
export function base64DecodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}
