// The seed's first example: the interactive chat in this terminal (`node examples/local-chat.ts`).
import { openLocalChat } from '@mcs/chat-cli';

process.exitCode = await openLocalChat();
