import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ChatCompletionMessageParam } from '@mcs/provider-sdk';
import { z } from 'zod';
import { ChatCliError } from '../chat-cli-error.js';
import type { ChatSession } from '../chat-session.js';

const FORMAT = 'mcs-chat/conversation';
/** A file larger than this is not read: a conversation of that size is not what the user meant. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;
/** Autosaved conversations kept (the oldest are removed); files saved with /save are never removed. */
const MAX_AUTOSAVES = 50;
const AUTOSAVE_PREFIX = 'session-';

const TextPart = z.object({ type: z.literal('text'), text: z.string() }).loose();
const UserPart = z.union([
  TextPart,
  z.object({ type: z.literal('image_url'), image_url: z.object({ url: z.string() }).loose() }).loose(),
  z.object({ type: z.literal('input_audio'), input_audio: z.object({ data: z.string() }).loose() }).loose(),
  z.object({ type: z.literal('file'), file: z.record(z.string(), z.unknown()) }).loose(),
]);
const Text = z.union([z.string(), z.array(TextPart)]);
const ToolCall = z
  .object({
    id: z.string(),
    type: z.literal('function'),
    function: z.object({ name: z.string(), arguments: z.string() }).loose(),
  })
  .loose();

/** The OpenAI chat messages a conversation holds (extra fields are kept, the shape of each role is checked). */
const MessageSchema = z.discriminatedUnion('role', [
  z.object({ role: z.literal('system'), content: Text }).loose(),
  z.object({ role: z.literal('developer'), content: Text }).loose(),
  z.object({ role: z.literal('user'), content: z.union([z.string(), z.array(UserPart)]) }).loose(),
  z
    .object({
      role: z.literal('assistant'),
      content: z.union([Text, z.null()]).optional(),
      tool_calls: z.array(ToolCall).optional(),
    })
    .loose(),
  z.object({ role: z.literal('tool'), tool_call_id: z.string(), content: Text }).loose(),
]);

const ConversationFileSchema = z
  .object({
    format: z.literal(FORMAT, { error: `not an mcs-chat conversation (its "format" must be "${FORMAT}")` }),
    version: z.literal(1, { error: 'unsupported version (this mcs-chat reads version 1)' }),
    savedAt: z.string(),
    model: z.string().optional(),
    messages: z.array(MessageSchema).max(100_000),
  })
  .strict();

export type ConversationFile = z.infer<typeof ConversationFileSchema>;

/** Where `/save`, `/load`, autosave and `--resume` keep conversations. */
export interface ConversationStore {
  /** `<data dir>/conversations`. */
  readonly dir: string;
  /** Writes the conversation to this run's own file (after each answered turn), unless it is empty. */
  autosave(session: ChatSession): Promise<void>;
  /** `/save [name|path]`: writes a copy; resolves with the file written. */
  save(session: ChatSession, name?: string): Promise<string>;
  /** `/load <name|path>`: reads and validates a file. */
  load(name: string): Promise<{ file: string; conversation: ConversationFile }>;
  /** `--resume`: the newest conversation in `dir`, which this run's autosave then continues; `undefined` when none. */
  resume(): Promise<{ file: string; conversation: ConversationFile } | undefined>;
}

/** A bare name (`plan`, `plan.json`) is a file in `dir`; anything with a slash, or starting with `.`, is a path from `cwd`. */
function resolveFile(dir: string, cwd: string, name: string): string {
  if (/[/\\]/.test(name) || name.startsWith('.')) return resolve(cwd, name);
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,99}$/.test(name)) {
    throw new ChatCliError(
      'COMMAND_FAILED',
      'a conversation name is 1-100 letters, digits, ".", "_" or "-" (or give a path with a "/")',
    );
  }
  return join(dir, name.endsWith('.json') ? name : `${name}.json`);
}

async function writeConversation(file: string, session: ChatSession): Promise<void> {
  const body: ConversationFile = {
    format: FORMAT,
    version: 1,
    savedAt: new Date().toISOString(),
    ...(session.model !== undefined ? { model: session.model } : {}),
    messages: [...session.history] as ConversationFile['messages'],
  };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  // Written whole, then renamed: a reader (or a crash) never sees half a file.
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(body, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

async function readConversation(file: string): Promise<ConversationFile> {
  let text: string;
  try {
    const { size } = await stat(file);
    if (size > MAX_FILE_BYTES) throw new ChatCliError('COMMAND_FAILED', `${file}: larger than ${MAX_FILE_BYTES} bytes`);
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (ChatCliError.isInstance(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ChatCliError(
      'COMMAND_FAILED',
      code === 'ENOENT' ? `${file}: no such conversation file` : `${file}: cannot read it (${code})`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ChatCliError('COMMAND_FAILED', `${file}: not valid JSON (${(error as Error).message})`, { cause: error });
  }
  const parsed = ConversationFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new ChatCliError('COMMAND_FAILED', `${file}: not a valid conversation: ${problems.join('; ')}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** The messages of a loaded conversation, as the session takes them. */
export const messagesOf = (conversation: ConversationFile): ChatCompletionMessageParam[] =>
  conversation.messages as ChatCompletionMessageParam[];

export function createConversationStore(dataDir: string, cwd: string): ConversationStore {
  const dir = join(dataDir, 'conversations');
  // This run's autosave file: made at the first answered turn, or the resumed one.
  let own: string | undefined;
  const timestamp = () => new Date().toISOString().replace(/[:.]/g, '-');
  const conversationFiles = async () => {
    try {
      return (await readdir(dir)).filter((name) => name.endsWith('.json'));
    } catch {
      return [];
    }
  };
  const prune = async () => {
    const autosaves = (await conversationFiles()).filter((name) => name.startsWith(AUTOSAVE_PREFIX)).sort();
    for (const name of autosaves.slice(0, Math.max(0, autosaves.length - MAX_AUTOSAVES))) {
      await rm(join(dir, name), { force: true });
    }
  };
  return {
    dir,
    async autosave(session) {
      if (session.history.length === 0) return;
      const first = own === undefined;
      own ??= join(dir, `${AUTOSAVE_PREFIX}${timestamp()}-${process.pid}.json`);
      await writeConversation(own, session);
      if (first) await prune();
    },
    async save(session, name) {
      const file = name === undefined ? join(dir, `saved-${timestamp()}.json`) : resolveFile(dir, cwd, name);
      await writeConversation(file, session);
      return file;
    },
    async load(name) {
      const file = resolveFile(dir, cwd, name);
      return { file, conversation: await readConversation(file) };
    },
    async resume() {
      let newest: { file: string; mtimeMs: number } | undefined;
      for (const name of await conversationFiles()) {
        const file = join(dir, name);
        const { mtimeMs } = await stat(file).catch(() => ({ mtimeMs: -1 }));
        if (mtimeMs >= 0 && (newest === undefined || mtimeMs > newest.mtimeMs)) newest = { file, mtimeMs };
      }
      if (newest === undefined) return undefined;
      const conversation = await readConversation(newest.file);
      own = newest.file;
      return { file: newest.file, conversation };
    },
  };
}
