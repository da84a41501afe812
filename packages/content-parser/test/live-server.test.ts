// One live round trip against a freshly started server-everything, so drift between the recorded
// fixtures and the current server (or SDK) shows up as a failing test.
import { isAlive, waitFor } from '@mcs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectEverythingServer, type EverythingConnection } from '../scripts/everything-client.ts';
import { chunkPart, joinChunks, parseResourceContents, parseToolResult } from '../src/index.js';
import { base64DecodedLength } from './helpers.js';

const requestTimeoutMs = 15_000;

describe('live: @modelcontextprotocol/server-everything over stdio', () => {
  let connection: EverythingConnection | undefined;

  beforeAll(async () => {
    connection = await connectEverythingServer({ timeoutMs: requestTimeoutMs });
  });

  afterAll(async () => {
    await connection?.close();
  });

  it('parses live tool results and a resource read the same way as the recorded fixtures', async () => {
    const client = connection!.client;
    const { tools } = await client.listTools(undefined, { timeout: requestTimeoutMs });

    const image = await client.callTool({ name: 'get-tiny-image', arguments: {} }, { timeout: requestTimeoutMs });
    const imageParts = parseToolResult(image).parts;
    expect(imageParts.map((part) => part.type)).toEqual(['text', 'image', 'text']);
    const rawImage = (image.content as { type: string; data?: string }[]).find((block) => block.type === 'image');
    expect(imageParts[1]).toMatchObject({
      mimeType: 'image/png',
      byteLength: base64DecodedLength(rawImage?.data ?? ''),
    });
    expect(joinChunks(chunkPart(imageParts[1]!, { chunkBytes: 1024 }))).toEqual(imageParts[1]);

    const outputSchema = tools.find((tool) => tool.name === 'get-structured-content')?.outputSchema;
    expect(outputSchema).toBeDefined();
    const structured = await client.callTool(
      { name: 'get-structured-content', arguments: { location: 'New York' } },
      { timeout: requestTimeoutMs },
    );
    const structuredParts = parseToolResult(structured, { outputSchema }).parts;
    expect(structuredParts.map((part) => part.type)).toEqual(['json', 'structured']);
    expect(structuredParts[1]).toMatchObject({ schemaValidated: true, data: { conditions: expect.any(String) } });

    const read = await client.readResource({ uri: 'demo://resource/dynamic/blob/5' }, { timeout: requestTimeoutMs });
    const [blob] = parseResourceContents(read).parts;
    expect(blob?.type === 'resource' && blob.encoding === 'blob' && Buffer.from(blob.data).toString()).toMatch(
      /^Resource 5: /,
    );
  });

  it('closing the client ends the server process', async () => {
    const pid = connection!.pid;
    expect(pid).toBeTypeOf('number');
    expect(isAlive(pid!)).toBe(true);
    await connection!.close();
    connection = undefined;
    await waitFor(() => !isAlive(pid!), { timeoutMs: 10_000, what: `server-everything (pid ${pid}) to exit` });
  });
});
