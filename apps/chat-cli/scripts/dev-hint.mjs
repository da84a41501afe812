// `./mcs dev` (turbo run dev) starts the servers; the chat is interactive, so it is started by hand in
// another terminal. This prints how, against the dev stack (infra/config/chat.dev.json: the
// http-mcp-server directly as "mcs" and the gateway as "gateway", both with the dev user's token from
// `./mcs token`), and exits.
const lines = [
  'mcs-chat (dev): start the chat in another terminal, against the dev stack (directly and through the gateway),',
  '  with any OpenAI-compatible model:',
  '  MCS_TOKEN=$(./mcs token) OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_API_KEY=ollama OPENAI_MODEL=qwen2.5:7b \\',
  '    node apps/chat-cli/dist/main.js --config infra/config/chat.dev.json',
  '  (OpenAI: OPENAI_API_KEY=sk-... OPENAI_MODEL=gpt-4o-mini; see apps/chat-cli/README.md)',
  '  No model needed to call a tool: in the chat, /servers, then /call mcs.<tool> key=value or /call gateway.<tool> ...',
];
process.stdout.write(`${lines.join('\n')}\n`);
