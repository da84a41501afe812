import { ChatCliError } from './chat-cli-error.js';

/** A prompt larger than this is refused rather than sent: a piped file by mistake would cost a model call. */
export const MAX_STDIN_PROMPT_BYTES = 1024 * 1024;

/** `-p -`: the prompt is stdin to its end, trimmed; empty or oversized is a `USAGE` error. */
export async function readStdinPrompt(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > MAX_STDIN_PROMPT_BYTES) {
      throw new ChatCliError('USAGE', `-p -: the prompt on stdin is larger than ${MAX_STDIN_PROMPT_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  const prompt = Buffer.concat(chunks).toString('utf8').trim();
  if (prompt === '')
    throw new ChatCliError('USAGE', '-p -: stdin was empty; pipe the prompt in, or pass it as -p <text>');
  return prompt;
}
