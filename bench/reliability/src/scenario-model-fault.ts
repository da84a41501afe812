// Fault of the model endpoint: clients of the provider-sdk (`createProvider(...).generate`, in this
// process) run turns against the scripted OpenAI-compatible model (the one allowed imitation, its own
// process), which is killed -9 mid-traffic. While it is down, the built chat-cli (`mcs-chat -p`, its
// own process) is run once: it must end with the model's exit code (4) and a clear message. The model
// is started again at the same address: the clients and a second `mcs-chat -p` must be served again
// by themselves. Every turn in flight ends with a clear error before its deadline.
import { randomBytes } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { getFreePort } from '@mcs/test-utils';
import { type Run, type RunningProcess, waitFor } from './processes.js';
import { failureKinds, type OpSummary, Recorder } from './recorder.js';
import { judge } from './scenario-http-faults.js';

const here = import.meta.dirname;
const modelServerMain = join(here, 'model-server.mjs');
const chatCliMain = join(realpathSync(join(here, '..', '..', '..', 'apps', 'chat-cli')), 'dist', 'main.js');

/** A turn not finished by then is "unanswered" (the client's deadline ended it). */
const TURN_DEADLINE_MS = 10_000;
/** The chat-cli run's own bound (startup included). */
const CLI_DEADLINE_MS = 30_000;

export interface CliRun {
  exitCode: number | null;
  ms: number;
  /** The last line it wrote on stderr (bounded), or stdout's when stderr was empty. */
  said: string;
}

export interface ModelFaultFigures {
  fault: 'kill-model-endpoint';
  clients: number;
  turnDeadlineMs: number;
  /** From the kill to the model listening again (the CLI ran while it was down). */
  outageMs: number;
  /** From the model listening again of the model to the first turn that succeeded. */
  recoveryMs: number;
  operations: number;
  ops: Record<string, OpSummary>;
  clearFailures: Array<{ op: string; message: string; count: number }>;
  unansweredFailures: Array<{ op: string; message: string; count: number }>;
  unexpectedFailures: Array<{ op: string; message: string; count: number }>;
  longestFailedTurnMs: number;
  cliDuringOutage: CliRun;
  cliAfterRecovery: CliRun;
}

export interface ModelFaultOptions {
  clients: number;
  durationMs: number;
}

function startModel(run: Run, port: number): Promise<RunningProcess> {
  const child = run.spawn('model', process.execPath, [modelServerMain, String(port), '300'], {});
  return waitFor(
    async () => {
      if (!child.alive()) throw new Error(`the model server exited (see ${child.logFile})`);
      return readFileSync(child.logFile, 'utf8').includes('model listening') ? child : undefined;
    },
    { timeoutMs: 15_000, what: 'the scripted model to listen' },
  );
}

async function runChatCli(run: Run, baseURL: string, apiKey: string): Promise<CliRun> {
  const started = Date.now();
  const env: Record<string, string> = {
    // No user config, history or conversation of the machine leaks in or is written.
    XDG_CONFIG_HOME: join(run.dir, 'cli-config'),
    XDG_STATE_HOME: join(run.dir, 'cli-state'),
    XDG_DATA_HOME: join(run.dir, 'cli-data'),
    OPENAI_API_KEY: apiKey,
    OPENAI_BASE_URL: baseURL,
    OPENAI_MODEL: 'scripted-model',
  };
  const child = run.spawn('chat-cli', process.execPath, [chatCliMain, '-p', 'hello'], env, run.dir);
  const timer = setTimeout(() => child.child.kill('SIGKILL'), CLI_DEADLINE_MS);
  await child.exited;
  clearTimeout(timer);
  const lines = readFileSync(child.logFile, 'utf8').trim().split('\n');
  return { exitCode: child.child.exitCode, ms: Date.now() - started, said: (lines.at(-1) ?? '').slice(0, 300) };
}

export async function runModelFault(
  run: Run,
  options: ModelFaultOptions,
): Promise<{ figures: ModelFaultFigures; secrets: Map<string, string> }> {
  const port = await getFreePort();
  const baseURL = `http://127.0.0.1:${port}/v1`;
  const apiKey = `sk-reliability-${randomBytes(18).toString('base64url')}`;
  let model = await startModel(run, port);
  // The built provider-sdk, loaded only now: `ensureAppsBuilt` may have just built it.
  const { createProvider } = await import('../../../apps/provider-sdk/dist/index.js');
  await using provider = createProvider({
    model: 'scripted-model',
    baseURL,
    apiKey,
    firstTokenTimeoutMs: 3_000,
    idleTimeoutMs: 3_000,
    requestTimeoutMs: 5_000,
    modelPolicy: { retry: { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1_000 } },
  });
  const turn = async () => {
    const result = await provider.generate({ prompt: 'hi', signal: AbortSignal.timeout(TURN_DEADLINE_MS) });
    if (result.text !== 'the answer') throw new Error(`unexpected answer: ${result.text.slice(0, 80)}`);
  };
  const recorder = new Recorder();
  let stopAt = Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (Date.now() < stopAt) await recorder.time('turn', turn, TURN_DEADLINE_MS + 5_000).catch(() => undefined);
  };
  const load = Promise.all(Array.from({ length: options.clients }, () => worker()));
  await waitFor(() => recorder.succeeded() >= options.clients, { timeoutMs: 30_000, what: 'turns to succeed' });

  const faultAt = Date.now();
  model.child.kill('SIGKILL');
  await model.exited;
  // While it is down: the CLI ends with the model's exit code and says why.
  const cliDuringOutage = await runChatCli(run, baseURL, apiKey);
  model = await startModel(run, port);
  const restartAt = Date.now();
  await waitFor(() => recorder.failures.length + recorder.succeeded() > 0, { what: 'a turn' });
  const succeededBefore = recorder.succeeded();
  await waitFor(() => recorder.succeeded() > succeededBefore, {
    timeoutMs: 30_000,
    intervalMs: 50,
    what: 'turns to succeed again',
  });
  const recoveredAt = Date.now();
  stopAt = Math.max(faultAt + options.durationMs, recoveredAt + 2_000);
  await load;
  const cliAfterRecovery = await runChatCli(run, baseURL, apiKey);
  await model.stop('SIGTERM', 5_000);

  const verdict = judge(recorder.failures, faultAt, recoveredAt);
  const inWindow = [...verdict.clear, ...verdict.unanswered];
  return {
    figures: {
      fault: 'kill-model-endpoint',
      clients: options.clients,
      turnDeadlineMs: TURN_DEADLINE_MS,
      outageMs: restartAt - faultAt,
      recoveryMs: recoveredAt - restartAt,
      operations: recorder.succeeded(),
      ops: recorder.summary(),
      clearFailures: failureKinds(verdict.clear),
      unansweredFailures: failureKinds(verdict.unanswered),
      unexpectedFailures: failureKinds(verdict.unexpected),
      longestFailedTurnMs: Math.max(0, ...inWindow.map((failure) => failure.at - failure.startedAt)),
      cliDuringOutage,
      cliAfterRecovery,
    },
    secrets: new Map([['model API key', apiKey]]),
  };
}
