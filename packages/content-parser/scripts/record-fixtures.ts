// Records real payloads from @modelcontextprotocol/server-everything into src/__fixtures__/ for the
// parser tests. Run from the package folder with Node 24 (it strips the types):
//   node scripts/record-fixtures.ts
// It lists the server's tools and fails if one is neither recorded nor skipped with a reason below,
// so a new server version cannot silently add a content tool the tests never see.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectEverythingServer, everythingServerBin } from './everything-client.ts';

const fixturesDir = fileURLToPath(new URL('../src/__fixtures__/', import.meta.url));
const requestTimeoutMs = 30_000;

// A small text file as a data: URI, so gzip-file-as-resource compresses it without network access.
const helloDataUri = `data:text/plain;base64,${Buffer.from('Hello from MCS! Grüße, 你好 👋\n'.repeat(20)).toString('base64')}`;

interface ToolCall {
  file: string;
  tool: string;
  arguments: Record<string, unknown>;
}

const toolCalls: ToolCall[] = [
  { file: 'tool.echo', tool: 'echo', arguments: { message: 'Hello, MCS! Grüße 👋' } },
  { file: 'tool.echo.invalid-arguments', tool: 'echo', arguments: {} },
  { file: 'tool.get-sum', tool: 'get-sum', arguments: { a: 2, b: 40 } },
  { file: 'tool.get-tiny-image', tool: 'get-tiny-image', arguments: {} },
  {
    file: 'tool.get-annotated-message.error-with-image',
    tool: 'get-annotated-message',
    arguments: { messageType: 'error', includeImage: true },
  },
  { file: 'tool.get-annotated-message.debug', tool: 'get-annotated-message', arguments: { messageType: 'debug' } },
  {
    file: 'tool.get-resource-reference.text',
    tool: 'get-resource-reference',
    arguments: { resourceType: 'Text', resourceId: 1 },
  },
  {
    file: 'tool.get-resource-reference.blob',
    tool: 'get-resource-reference',
    arguments: { resourceType: 'Blob', resourceId: 2 },
  },
  { file: 'tool.get-resource-links', tool: 'get-resource-links', arguments: { count: 4 } },
  { file: 'tool.get-structured-content', tool: 'get-structured-content', arguments: { location: 'Chicago' } },
  {
    file: 'tool.gzip-file-as-resource.resource',
    tool: 'gzip-file-as-resource',
    arguments: { name: 'hello.txt.gz', data: helloDataUri, outputType: 'resource' },
  },
  {
    file: 'tool.gzip-file-as-resource.link',
    tool: 'gzip-file-as-resource',
    arguments: { name: 'hello-link.txt.gz', data: helloDataUri, outputType: 'resourceLink' },
  },
  {
    file: 'tool.trigger-long-running-operation',
    tool: 'trigger-long-running-operation',
    arguments: { duration: 0.2, steps: 2 },
  },
  { file: 'tool.toggle-simulated-logging', tool: 'toggle-simulated-logging', arguments: {} },
  { file: 'tool.toggle-subscriber-updates', tool: 'toggle-subscriber-updates', arguments: {} },
];

const skippedTools: Record<string, string> = {
  'get-env': "returns the server process's environment: machine-specific and may hold secrets",
  'simulate-research-query': 'requires task support (execution.taskSupport "required"), not plain tools/call',
};

const resourceReads = [
  { file: 'resource.static-document', uri: 'demo://resource/static/document/architecture.md' },
  { file: 'resource.dynamic-text', uri: 'demo://resource/dynamic/text/1' },
  { file: 'resource.dynamic-blob', uri: 'demo://resource/dynamic/blob/3' },
];

const promptGets: { file: string; name: string; arguments: Record<string, string> }[] = [
  { file: 'prompt.simple-prompt', name: 'simple-prompt', arguments: {} },
  { file: 'prompt.args-prompt', name: 'args-prompt', arguments: { city: 'Zürich', state: 'ZH' } },
  {
    file: 'prompt.resource-prompt.blob',
    name: 'resource-prompt',
    arguments: { resourceType: 'Blob', resourceId: '2' },
  },
];

async function packageVersion(packageJsonPath: string): Promise<string> {
  const { name, version } = JSON.parse(await readFile(packageJsonPath, 'utf8')) as { name: string; version: string };
  return `${name}@${version}`;
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

const { client, close } = await connectEverythingServer({ timeoutMs: requestTimeoutMs });
try {
  const server = client.getServerVersion();
  const clientEntry = createRequire(import.meta.url).resolve('@modelcontextprotocol/client');
  const recordedWith = {
    server: { name: server?.name, version: server?.version },
    serverPackage: await packageVersion(join(dirname(everythingServerBin()), '..', 'package.json')),
    clientPackage: await packageVersion(join(dirname(clientEntry), '..', 'package.json')),
    recordedAt: new Date().toISOString(),
  };
  const { tools } = await client.listTools(undefined, { timeout: requestTimeoutMs });
  const covered = new Set([...toolCalls.map((call) => call.tool), ...Object.keys(skippedTools)]);
  const uncovered = tools.map((tool) => tool.name).filter((name) => !covered.has(name));
  if (uncovered.length > 0) {
    throw new Error(`server lists tools this script neither records nor skips: ${uncovered.join(', ')}`);
  }

  await mkdir(fixturesDir, { recursive: true });
  for (const name of await readdir(fixturesDir)) {
    if (name.endsWith('.json')) await rm(join(fixturesDir, name));
  }
  const save = async (file: string, fixture: Record<string, unknown>) => {
    await writeFile(join(fixturesDir, `${file}.json`), `${JSON.stringify({ recordedWith, ...fixture }, null, 2)}\n`);
    say(`recorded ${file}.json`);
  };

  for (const call of toolCalls) {
    const tool = tools.find((candidate) => candidate.name === call.tool);
    const result = await client.callTool({ name: call.tool, arguments: call.arguments }, { timeout: requestTimeoutMs });
    await save(call.file, {
      kind: 'tool',
      request: { name: call.tool, arguments: call.arguments },
      tool: { name: call.tool, ...(tool?.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema }) },
      result,
    });
  }
  for (const read of resourceReads) {
    const result = await client.readResource({ uri: read.uri }, { timeout: requestTimeoutMs });
    await save(read.file, { kind: 'resource', request: { uri: read.uri }, result });
  }
  for (const get of promptGets) {
    const result = await client.getPrompt({ name: get.name, arguments: get.arguments }, { timeout: requestTimeoutMs });
    await save(get.file, { kind: 'prompt', request: { name: get.name, arguments: get.arguments }, result });
  }
  await save('tools-list', {
    kind: 'tools-list',
    tools: tools.map((tool) => ({
      name: tool.name,
      recorded: toolCalls.filter((call) => call.tool === tool.name).map((call) => `${call.file}.json`),
      ...(skippedTools[tool.name] === undefined ? {} : { skipped: skippedTools[tool.name] }),
    })),
  });
} finally {
  await close();
}
