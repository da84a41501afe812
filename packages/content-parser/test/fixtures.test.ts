// Parses the payloads recorded from @modelcontextprotocol/server-everything (scripts/record-fixtures.ts).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { everythingServerBin } from '../scripts/everything-client.ts';
import {
  type ContentPart,
  chunkPart,
  joinChunks,
  parsePromptMessages,
  parseResourceContents,
  parseToolResult,
} from '../src/index.js';
import { base64DecodedLength, expectParseError, type Fixture, fixtureFiles, loadFixture } from './helpers.js';

type Block = Record<string, unknown>;

/** Parses any recorded fixture with the function for its kind; returns the parts and the source blocks. */
function parseFixture(fixture: Fixture): { parts: ContentPart[]; blocks: Block[] } {
  const { result } = fixture;
  if (fixture.kind === 'tool') {
    const parsed = parseToolResult(result, { outputSchema: fixture.tool?.outputSchema });
    return { parts: parsed.parts, blocks: (result.content as Block[]) ?? [] };
  }
  if (fixture.kind === 'resource') {
    return { parts: parseResourceContents(result).parts, blocks: result.contents as Block[] };
  }
  const parsed = parsePromptMessages(result);
  return {
    parts: parsed.messages.map((message) => message.part),
    blocks: (result.messages as { content: Block }[]).map((message) => message.content),
  };
}

function byType<T extends ContentPart['type']>(parts: ContentPart[], type: T): Extract<ContentPart, { type: T }>[] {
  return parts.filter((part): part is Extract<ContentPart, { type: T }> => part.type === type);
}

const contentFixtures = fixtureFiles().filter((file) => file !== 'tools-list.json');

describe('recorded server-everything payloads: generic properties', () => {
  it('were recorded from the pinned server package and cover every listed tool', () => {
    const list = loadFixture('tools-list.json');
    // A catalog bump of the server without re-recording shows up here: run scripts/record-fixtures.ts.
    const installed = JSON.parse(readFileSync(join(dirname(everythingServerBin()), '..', 'package.json'), 'utf8'));
    expect(list.recordedWith.serverPackage).toBe(`${installed.name}@${installed.version}`);
    expect(list.tools?.length).toBeGreaterThan(5);
    for (const tool of list.tools ?? []) {
      expect(tool.recorded.length > 0 || (tool.skipped ?? '').length > 0, tool.name).toBe(true);
      for (const file of tool.recorded)
        expect(existsSync(new URL(`../src/__fixtures__/${file}`, import.meta.url))).toBe(true);
    }
    expect(contentFixtures.length).toBeGreaterThanOrEqual(20);
  });

  it.each(contentFixtures)('%s parses strictly: one known part per block, sizes and annotations kept', (file) => {
    const fixture = loadFixture(file);
    const { parts, blocks } = parseFixture(fixture);
    expect(byType(parts, 'unknown')).toEqual([]);
    blocks.forEach((block, i) => {
      const part = parts[i];
      expect(part?.index).toBe(i);
      expect(part?.annotations).toEqual(block.annotations);
      expect(part?.meta).toEqual(block._meta);
      // Base64 payloads: decoded size follows from the base64 length alone.
      const base64 = (block.data ?? block.blob ?? (block.resource as Block | undefined)?.blob) as string | undefined;
      if (base64 !== undefined) {
        expect(part?.byteLength).toBe(base64DecodedLength(base64));
        expect(part && 'data' in part && part.data instanceof Uint8Array && part.data.byteLength).toBe(
          base64DecodedLength(base64),
        );
      }
    });
  });

  it.each(contentFixtures)('%s survives chunking at 97 bytes unchanged', (file) => {
    for (const part of parseFixture(loadFixture(file)).parts) {
      expect(joinChunks(chunkPart(part, { chunkBytes: 97 }))).toEqual(part);
    }
  });
});

describe('recorded server-everything payloads: what each tool returns', () => {
  const parts = (file: string) => parseFixture(loadFixture(file)).parts;

  it('echo: one text part, multi-byte characters intact', () => {
    expect(parts('tool.echo.json')).toEqual([
      { type: 'text', index: 0, path: ['content', 0], byteLength: 30, text: 'Echo: Hello, MCS! Grüße 👋' },
    ]);
  });

  it('echo with invalid arguments: an isError result becomes an error part and errorMessage', () => {
    const parsed = parseToolResult(loadFixture('tool.echo.invalid-arguments.json').result);
    expect(parsed.isError).toBe(true);
    expect(parsed.parts.map((part) => part.type)).toEqual(['error']);
    expect(parsed.errorMessage).toContain('Invalid arguments for tool echo');
  });

  it('get-sum: plain text', () => {
    expect(parts('tool.get-sum.json')).toMatchObject([{ type: 'text', text: 'The sum of 2 and 40 is 42.' }]);
  });

  it('get-tiny-image: text, a PNG image decoded to bytes, text', () => {
    const result = parts('tool.get-tiny-image.json');
    expect(result.map((part) => part.type)).toEqual(['text', 'image', 'text']);
    const [image] = byType(result, 'image');
    expect(image?.mimeType).toBe('image/png');
    expect(Array.from(image?.data.subarray(0, 8) ?? [])).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(image?.byteLength).toBeGreaterThan(1000);
  });

  it('get-annotated-message: annotations on text and image', () => {
    expect(parts('tool.get-annotated-message.error-with-image.json')).toMatchObject([
      { type: 'text', text: 'Error: Operation failed', annotations: { priority: 1, audience: ['user', 'assistant'] } },
      { type: 'image', mimeType: 'image/png', annotations: { priority: 0.5, audience: ['user'] } },
    ]);
    expect(parts('tool.get-annotated-message.debug.json')).toMatchObject([
      { type: 'text', annotations: { priority: 0.3, audience: ['assistant'] } },
    ]);
  });

  it('get-resource-reference: embedded text and blob resources', () => {
    const text = parts('tool.get-resource-reference.text.json');
    expect(text.map((part) => part.type)).toEqual(['text', 'resource', 'text']);
    expect(text[1]).toMatchObject({
      encoding: 'text',
      uri: 'demo://resource/dynamic/text/1',
      mimeType: 'text/plain',
      text: expect.stringMatching(/^Resource 1: This is a plaintext resource/),
    });
    const [blob] = byType(parts('tool.get-resource-reference.blob.json'), 'resource');
    expect(blob).toMatchObject({ encoding: 'blob', uri: 'demo://resource/dynamic/blob/2', mimeType: 'text/plain' });
    expect(blob?.encoding === 'blob' && Buffer.from(blob.data).toString()).toMatch(
      /^Resource 2: This is a base64 blob/,
    );
  });

  it('get-resource-links: text then resource-link parts with their fields', () => {
    const result = parts('tool.get-resource-links.json');
    expect(result.map((part) => part.type)).toEqual(['text', ...Array(4).fill('resource-link')]);
    expect(result[1]).toMatchObject({
      type: 'resource-link',
      uri: 'demo://resource/dynamic/blob/1',
      name: 'Blob Resource 1',
      description: 'Resource 1: plaintext resource',
      mimeType: 'text/plain',
    });
  });

  it('get-structured-content: JSON text plus structured content validated against the real outputSchema', () => {
    const fixture = loadFixture('tool.get-structured-content.json');
    const result = parts('tool.get-structured-content.json');
    expect(result.map((part) => part.type)).toEqual(['json', 'structured']);
    expect(result[1]).toMatchObject({ schemaValidated: true, data: fixture.result.structuredContent });
    expect(result[0]?.type === 'json' && result[0].data).toEqual(fixture.result.structuredContent);
    // The server's own (draft-07) schema rejects a drifted payload.
    const drifted = { ...fixture.result, structuredContent: { temperature: '36', conditions: 'x', humidity: 1 } };
    expectParseError(() => parseToolResult(drifted, { outputSchema: fixture.tool?.outputSchema }), 'SCHEMA_MISMATCH');
  });

  it('gzip-file-as-resource: an application/gzip blob that gunzips to the uploaded text', () => {
    const fixture = loadFixture('tool.gzip-file-as-resource.resource.json');
    const [resource] = byType(parts('tool.gzip-file-as-resource.resource.json'), 'resource');
    expect(resource).toMatchObject({ encoding: 'blob', mimeType: 'application/gzip' });
    const uploaded = Buffer.from(String(fixture.request.arguments?.data).split(',')[1] ?? '', 'base64').toString();
    expect(resource?.encoding === 'blob' && gunzipSync(resource.data).toString()).toBe(uploaded);
    expect(parts('tool.gzip-file-as-resource.link.json')).toMatchObject([
      { type: 'resource-link', uri: 'demo://resource/session/hello-link.txt.gz', mimeType: 'application/gzip' },
    ]);
  });

  it('operations and toggles: status text', () => {
    for (const file of [
      'tool.trigger-long-running-operation.json',
      'tool.toggle-simulated-logging.json',
      'tool.toggle-subscriber-updates.json',
    ]) {
      expect(parts(file)).toMatchObject([{ type: 'text', text: expect.any(String) }]);
    }
  });

  it('resources/read: text documents and blobs', () => {
    expect(parts('resource.static-document.json')).toMatchObject([
      {
        type: 'resource',
        encoding: 'text',
        mimeType: 'text/markdown',
        path: ['contents', 0],
        text: expect.stringContaining('# Everything Server'),
      },
    ]);
    expect(parts('resource.dynamic-text.json')).toMatchObject([
      { encoding: 'text', uri: 'demo://resource/dynamic/text/1' },
    ]);
    const [blob] = byType(parts('resource.dynamic-blob.json'), 'resource');
    expect(blob?.encoding === 'blob' && Buffer.from(blob.data).toString()).toMatch(/^Resource 3: /);
  });

  it('prompts/get: roles, text, and an embedded blob resource', () => {
    const simple = parsePromptMessages(loadFixture('prompt.simple-prompt.json').result);
    expect(simple.messages).toMatchObject([{ role: 'user', part: { type: 'text', path: ['messages', 0, 'content'] } }]);
    expect(parts('prompt.args-prompt.json')).toMatchObject([{ type: 'text', text: "What's weather in Zürich, ZH?" }]);
    const withResource = parsePromptMessages(loadFixture('prompt.resource-prompt.blob.json').result);
    expect(withResource.messages.map((message) => [message.role, message.part.type])).toEqual([
      ['user', 'text'],
      ['user', 'resource'],
    ]);
    expect(withResource.messages[1]?.part).toMatchObject({ encoding: 'blob', uri: 'demo://resource/dynamic/blob/2' });
  });
});
