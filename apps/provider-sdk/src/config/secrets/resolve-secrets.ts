import { boundErrorMessage } from '@mcs/resilience';
import { ProviderError } from '../../provider-error.js';
import { didYouMean } from '../did-you-mean.js';
import { isPlainObject } from '../schema-walk.js';
import { type AwsSecretsManagerOptions, createAwsSecretsManagerResolver } from './aws-secrets-manager.js';
import { envSecretResolver } from './env-secret.js';
import { fileSecretResolver } from './file-secret.js';
import {
  parseSecretReference,
  SecretLookupError,
  type SecretReference,
  type SecretResolveContext,
  type SecretResolver,
} from './secret-resolver.js';
import { createVaultSecretResolver, type VaultSecretOptions } from './vault-secret.js';

export interface SecretOptions {
  /** Resolvers by scheme, added to (or replacing) `env`, `file`, `vault` and `aws-sm`. */
  secretResolvers?: Record<string, SecretResolver>;
  vault?: VaultSecretOptions;
  awsSecretsManager?: AwsSecretsManagerOptions;
}

export function secretResolvers(options: SecretOptions): Record<string, SecretResolver> {
  return {
    env: envSecretResolver,
    file: fileSecretResolver,
    vault: createVaultSecretResolver(options.vault),
    'aws-sm': createAwsSecretsManagerResolver(options.awsSecretsManager),
    ...options.secretResolvers,
  };
}

export interface ResolvedSecrets {
  value: unknown;
  /** Field path (dotted, our spelling) -> the reference that filled it. */
  references: Record<string, string>;
}

interface Found {
  path: (string | number)[];
  reference: SecretReference;
}

function collect(value: unknown, path: (string | number)[], out: Found[]): void {
  if (typeof value === 'string') {
    const reference = parseSecretReference(value);
    if (reference !== undefined) out.push({ path, reference });
  } else if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) collect(item, [...path, index], out);
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) collect(item, [...path, key], out);
  }
}

function replaceAt(root: unknown, path: (string | number)[], replacement: string): unknown {
  const [key, ...rest] = path;
  if (key === undefined) return replacement;
  if (Array.isArray(root))
    return root.map((item, index) => (index === key ? replaceAt(item, rest, replacement) : item));
  const node = root as Record<string, unknown>;
  return { ...node, [key]: replaceAt(node[key as string], rest, replacement) };
}

/**
 * Replaces every `secret:<scheme>:...` string by the secret, all looked up at once (one lookup per
 * distinct reference). A failure is a `SECRET_UNRESOLVED` error naming the field and the reference.
 */
export async function resolveSecrets(
  document: unknown,
  resolvers: Record<string, SecretResolver>,
  context: SecretResolveContext,
  describePath: (path: (string | number)[]) => string,
): Promise<ResolvedSecrets> {
  const found: Found[] = [];
  collect(document, [], found);
  const lookups = new Map<string, Promise<string>>();
  const settled = await Promise.allSettled(
    found.map(({ reference }) => {
      let lookup = lookups.get(reference.text);
      if (lookup === undefined) {
        lookup = lookupOne(reference, resolvers, context);
        lookups.set(reference.text, lookup);
      }
      return lookup;
    }),
  );
  let value = document;
  const references: Record<string, string> = {};
  const failures: { path: string; reference: string; error: SecretLookupError }[] = [];
  settled.forEach((outcome, index) => {
    const { path, reference } = found[index] as Found;
    if (outcome.status === 'fulfilled') {
      value = replaceAt(value, path, outcome.value);
      references[path.join('.')] = reference.text;
    } else {
      failures.push({
        path: describePath(path),
        reference: reference.text,
        error: outcome.reason as SecretLookupError,
      });
    }
  });
  const first = failures[0];
  if (first !== undefined && context.signal.aborted) {
    throw new ProviderError('CANCELLED', 'loading the config was cancelled while secrets were looked up', {
      cause: context.signal.reason,
    });
  }
  if (first !== undefined) {
    const message = failures
      .slice(0, 5)
      .map(({ path, reference, error }) => `${path}: ${reference}: ${error.message}`)
      .join('; ');
    throw new ProviderError('SECRET_UNRESOLVED', boundErrorMessage(`cannot resolve secrets: ${message}`, 4096), {
      category: first.error.category,
      cause: first.error,
    });
  }
  return { value, references };
}

async function lookupOne(
  reference: SecretReference,
  resolvers: Record<string, SecretResolver>,
  context: SecretResolveContext,
): Promise<string> {
  const resolver = Object.hasOwn(resolvers, reference.scheme) ? resolvers[reference.scheme] : undefined;
  if (resolver === undefined) {
    const hint = didYouMean(reference.scheme, Object.keys(resolvers));
    throw new SecretLookupError(
      'invalid_input',
      `unknown secret scheme${hint ? ` (did you mean "${hint}"?)` : ''}: use one of ${Object.keys(resolvers).join(', ')}`,
    );
  }
  try {
    const value = await resolver.resolve(reference, context);
    if (typeof value !== 'string') throw new SecretLookupError('protocol', 'the resolver gave no string');
    return value;
  } catch (error) {
    if (error instanceof SecretLookupError) throw error;
    // A custom resolver's own error may quote what it read: keep it as the cause only.
    throw new SecretLookupError('unavailable', `the ${reference.scheme} resolver failed (${(error as Error).name})`, {
      cause: error,
    });
  }
}
