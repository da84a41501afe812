// `./mcs dev` (turbo run dev) starts the servers; the chat is interactive, so it is started by hand in
// another terminal. This prints how, against the dev stack (infra/config/chat.dev.json: the
// http-mcp-server directly as "mcs" and the gateway as "gateway", both with the dev user's token from
// `./mcs token`), and exits. A stack moved off its default ports (PORT, PUBLIC_URL, GRPC_HOST/GRPC_PORT)
// or given its own MCS_DEV_DIR gets a command with those settings in it, so that it still reaches it.
import { devAuthOrigin } from '../../../tooling/toolchain/dev-auth.mjs';

const env = process.env;
const origin = devAuthOrigin(env);
const gateway = `${env.GRPC_HOST && env.GRPC_HOST !== '0.0.0.0' && env.GRPC_HOST !== '::' ? env.GRPC_HOST : '127.0.0.1'}:${env.GRPC_PORT || '50051'}`;
const quote = (value) => (/^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", "'\\''")}'`);

// What `./mcs token` needs to find the same server and credentials as this stack.
const tokenEnv = [];
if (env.PUBLIC_URL) tokenEnv.push(`PUBLIC_URL=${quote(env.PUBLIC_URL)}`);
else if (origin !== 'http://127.0.0.1:3000') tokenEnv.push(`PUBLIC_URL=${quote(origin)}`);
if (env.MCS_DEV_DIR) tokenEnv.push(`MCS_DEV_DIR=${quote(env.MCS_DEV_DIR)}`);
// Authorization off: no token to get, and none is checked.
const token =
  (env.MCS_AUTH ?? 'on') === 'off' ? 'MCS_TOKEN=none' : `MCS_TOKEN=$(${[...tokenEnv, './mcs token'].join(' ')})`;
const places = [];
if (origin !== 'http://127.0.0.1:3000') places.push(`MCS_URL=${quote(`${origin}/mcp`)}`);
if (gateway !== '127.0.0.1:50051') places.push(`MCS_GATEWAY=${quote(gateway)}`);

const lines = [
  'mcs-chat (dev): start the chat in another terminal, against the dev stack (directly and through the gateway),',
  '  with any OpenAI-compatible model:',
  `  ${[token, ...places].join(' ')} OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_API_KEY=ollama OPENAI_MODEL=qwen2.5:7b \\`,
  '    node apps/chat-cli/dist/main.js --config infra/config/chat.dev.json',
  '  (OpenAI: OPENAI_API_KEY=sk-... OPENAI_MODEL=gpt-4o-mini; see apps/chat-cli/README.md)',
  '  No model needed to call a tool: in the chat, /servers, then /call mcs.<tool> key=value or /call gateway.<tool> ...',
];
process.stdout.write(`${lines.join('\n')}\n`);
