import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pickField, SecretLookupError, type SecretResolver } from './secret-resolver.js';

const MAX_SECRET_FILE_BYTES = 1024 * 1024;

/**
 * `secret:file:/run/secrets/token`: the file's contents without the final newline (as Docker and
 * Kubernetes mount secrets). `#field` reads one field of a JSON file. Relative paths are relative to
 * the config file's folder.
 */
export const fileSecretResolver: SecretResolver = {
  async resolve(reference, context) {
    const path = resolve(context.baseDir, reference.target);
    let text: string;
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new SecretLookupError('invalid_input', `${path} is not a file`);
      if (info.size > MAX_SECRET_FILE_BYTES)
        throw new SecretLookupError('invalid_input', `${path} is larger than 1 MiB`);
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (error instanceof SecretLookupError) throw error;
      const code = (error as NodeJS.ErrnoException).code;
      const category = code === 'ENOENT' ? 'not_found' : code === 'EACCES' ? 'permission_denied' : 'internal';
      throw new SecretLookupError(category, `cannot read ${path} (${code ?? 'read error'})`, { cause: error });
    }
    if (reference.field === undefined) return text.replace(/\r?\n$/, '');
    let values: unknown;
    try {
      values = JSON.parse(text);
    } catch {
      throw new SecretLookupError('invalid_input', `${path} is not a JSON object (needed for #${reference.field})`);
    }
    if (typeof values !== 'object' || values === null || Array.isArray(values)) {
      throw new SecretLookupError('invalid_input', `${path} is not a JSON object (needed for #${reference.field})`);
    }
    return pickField(values as Record<string, unknown>, reference);
  },
};
