// The seed's second example: every step of each answer, as JSON (`node examples/chat-steps.ts`).
import { createChat } from '@mcs/chat-cli';

// ./config.json names the MCP servers (any format mcs-chat reads); OPENAI_API_KEY, OPENAI_MODEL and
// OPENAI_BASE_URL (environment or .env) the model.
await using chat = await createChat();
for (const query of process.argv.slice(2)) {
  for await (const step of chat.send(query)) {
    if (step.type === 'text-delta') continue; // the whole text comes again in `final`
    process.stdout.write(`<< ${JSON.stringify(step.json)}\n`);
  }
}
process.stdout.write(`turns kept: ${chat.history.filter((message) => message.role === 'user').length}\n`);
