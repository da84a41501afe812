import { text } from 'node:stream/consumers';
import { hashPassword } from './password-hash.js';

/**
 * `mcs-http-mcp-server hash-password`: reads a password from stdin (not from the command line, where
 * `ps` and shell history would show it) and prints its scrypt hash for `MCS_USERS`. Returns the exit code.
 */
export async function runHashPasswordCommand(
  stdin: NodeJS.ReadableStream = process.stdin,
  stdout: NodeJS.WritableStream = process.stdout,
  stderr: NodeJS.WritableStream = process.stderr,
): Promise<number> {
  if ((stdin as { isTTY?: boolean }).isTTY) stderr.write('Password (input is shown; end with Enter and Ctrl-D): ');
  const password = (await text(stdin)).replace(/\r?\n$/, '');
  if (password.length === 0) {
    stderr.write(
      'hash-password: no password on stdin; e.g. printf %s "$PASSWORD" | mcs-http-mcp-server hash-password\n',
    );
    return 2;
  }
  stdout.write(`${await hashPassword(password)}\n`);
  return 0;
}
