import { SecretLookupError, type SecretResolver } from './secret-resolver.js';

/** `secret:env:NAME`: the environment variable NAME (unlike `${NAME}`, never written into the file's text). */
export const envSecretResolver: SecretResolver = {
  async resolve(reference, context) {
    if (reference.field !== undefined) throw new SecretLookupError('invalid_input', 'env secrets have no #field');
    const value = context.env[reference.target];
    if (value === undefined || value === '') {
      throw new SecretLookupError('not_found', `the environment variable ${reference.target} is not set`);
    }
    return value;
  },
};
