import { readFileSync } from 'node:fs';
import { quoteValue } from '@mcs/resilience';
import { z } from 'zod';
import type { OAuthSettings } from '../config.js';
import { listConfigIssues } from '../config-issues.js';
import { HttpMcpServerError } from '../http-mcp-server-error.js';
import { isPasswordHash, verifyPassword } from './password-hash.js';

const UsersSchema = z.record(
  z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, 'user names are 1-64 characters of A-Z a-z 0-9 . _ @ -'),
  z.string().refine(isPasswordHash, 'not a password hash: create one with `mcs-http-mcp-server hash-password`'),
);

/** The local development user store: user name -> scrypt hash, from `MCS_USERS` and/or `MCS_USERS_FILE`. */
export class UserStore {
  readonly #users: ReadonlyMap<string, string>;

  constructor(users: Record<string, string>) {
    this.#users = new Map(Object.entries(users));
  }

  static fromSettings(settings: OAuthSettings): UserStore {
    const users: Record<string, string> = {};
    if (settings.usersFile !== undefined) {
      let text: string;
      try {
        text = readFileSync(settings.usersFile, 'utf8');
      } catch (error) {
        // The path is the operator's, but quoted bounded like every echoed value (found by fuzzing).
        throw new HttpMcpServerError(
          'INVALID_CONFIG',
          `MCS_USERS_FILE: cannot read ${quoteValue(settings.usersFile)}`,
          {
            cause: error,
          },
        );
      }
      Object.assign(users, parseUsers(text, 'MCS_USERS_FILE'));
    }
    if (settings.users !== undefined) Object.assign(users, parseUsers(settings.users, 'MCS_USERS'));
    return new UserStore(users);
  }

  get size(): number {
    return this.#users.size;
  }

  /** The user name when the password matches; the same work for unknown users (no user enumeration by timing). */
  async authenticate(username: string, password: string): Promise<string | undefined> {
    const ok = await verifyPassword(password, this.#users.get(username));
    return ok ? username : undefined;
  }
}

function parseUsers(text: string, setting: string): Record<string, string> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new HttpMcpServerError('INVALID_CONFIG', `${setting}: not JSON; expected {"user":"scrypt$…"}`, {
      cause: error,
    });
  }
  const parsed = UsersSchema.safeParse(json);
  if (!parsed.success) {
    // A path is a user name from the file: listed bounded, as for the environment.
    throw new HttpMcpServerError('INVALID_CONFIG', `${setting}: ${listConfigIssues(parsed.error.issues)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
