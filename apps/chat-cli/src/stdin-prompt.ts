import { ChatCliError } from './chat-cli-error.js';

/** A prompt larger than this is refused rather than sent: a piped file by mistake would cost a model call. */
export const MAX_STDIN_PROMPT_BYTES = 1024 * 1024;

/**
 * `-p -`, or stdin a pipe or file without `-p` (`echo "question" | mcs-chat`): the prompt is stdin to
 * its end, trimmed; empty or oversized is a `USAGE` error. `flag` says which of the two in messages.
 */
export async function readStdinPrompt(stdin: NodeJS.ReadableStream, flag: '-p -' | 'stdin' = '-p -'): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_STDIN_PROMPT_BYTES) {
      throw new ChatCliError('USAGE', `${flag}: the prompt on stdin is larger than ${MAX_STDIN_PROMPT_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  const prompt = Buffer.concat(chunks).toString('utf8').trim();
  if (prompt === '') {
    throw new ChatCliError(
      'USAGE',
      flag === '-p -'
        ? '-p -: stdin was empty; pipe the prompt in, or pass it as -p <text>'
        : 'stdin is not a terminal and was empty: pipe the prompt in, pass it as -p <text>, or run mcs-chat in a terminal for the chat (-i reads the chat line by line from a pipe)',
    );
  }
  return prompt;
}
