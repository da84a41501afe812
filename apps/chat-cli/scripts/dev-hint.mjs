// `./mcs dev` (turbo run dev) starts the servers; the chat is interactive, so it is started by hand in
// another terminal. This prints how, against the dev stack (infra/config/chat.dev.json), and exits.
const lines = [
  'mcs-chat (dev): start the chat in another terminal, against the dev stack, with any OpenAI-compatible model:',
  '  OPENAI_BASE_URL=http://127.0.0.1:11434/v1 OPENAI_API_KEY=ollama OPENAI_MODEL=qwen2.5:7b \\',
  '    node apps/chat-cli/dist/main.js --config infra/config/chat.dev.json',
  '  (OpenAI: OPENAI_API_KEY=sk-... OPENAI_MODEL=gpt-4o-mini; see apps/chat-cli/README.md)',
];
process.stdout.write(`${lines.join('\n')}\n`);
