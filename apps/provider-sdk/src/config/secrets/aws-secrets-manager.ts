import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import type { ErrorCategory } from '@mcs/resilience';
import { pickField, SecretLookupError, type SecretResolver } from './secret-resolver.js';

export interface AwsSecretsManagerOptions {
  /** Default: the region of an ARN reference, else `AWS_REGION` / `AWS_DEFAULT_REGION`. */
  region?: string;
  /** Another endpoint (a VPC endpoint, LocalStack, a test server). */
  endpoint?: string;
  /** Default: the SDK's chain (environment, shared files, SSO, container / instance roles). */
  credentials?: SecretsManagerClientConfig['credentials'];
  /** A client of your own (its region, credentials and endpoint are used as they are). */
  client?: SecretsManagerClient;
  /** Per request, ms (default 10 000). */
  timeoutMs?: number;
}

type ClientModule = typeof import('@aws-sdk/client-secrets-manager');

// Loaded on first use, so configs without aws-sm references never load the AWS SDK.
let clientModule: Promise<ClientModule> | undefined;
const loadClientModule = (): Promise<ClientModule> => {
  clientModule ??= import('@aws-sdk/client-secrets-manager');
  return clientModule;
};

/** The service's error names (`__type`) by category; anything else (network, 5xx) is `unavailable`. */
const errorCategories: Readonly<Record<string, ErrorCategory>> = {
  ResourceNotFoundException: 'not_found',
  UnrecognizedClientException: 'unauthenticated',
  InvalidSignatureException: 'unauthenticated',
  IncompleteSignatureException: 'unauthenticated',
  ExpiredTokenException: 'unauthenticated',
  CredentialsProviderError: 'unauthenticated',
  AccessDeniedException: 'permission_denied',
  ThrottlingException: 'rate_limited',
  InvalidRequestException: 'invalid_input',
  InvalidParameterException: 'invalid_input',
  DecryptionFailure: 'invalid_input',
  TimeoutError: 'timeout',
};

const categoryOfError = (name: string, status: number | undefined): ErrorCategory =>
  (Object.hasOwn(errorCategories, name) ? errorCategories[name] : undefined) ??
  (status === 403 ? 'permission_denied' : 'unavailable');

/**
 * `secret:aws-sm:<name or ARN>#<field>`: AWS Secrets Manager's GetSecretValue through the official
 * client (SigV4-signed). `#field` reads one key of a JSON SecretString; without it the whole string.
 * The client is loaded on first use, so configs without aws-sm references never load the AWS SDK.
 */
export function createAwsSecretsManagerResolver(options: AwsSecretsManagerOptions = {}): SecretResolver {
  // One client per region: an ARN may name another region than the default.
  const clients = new Map<string, Promise<SecretsManagerClient>>();
  const clientFor = (region: string | undefined) => {
    const key = region ?? '';
    const existing = clients.get(key);
    if (existing) return existing;
    const client = (async () => {
      if (options.client) return options.client;
      const { SecretsManagerClient } = await loadClientModule();
      return new SecretsManagerClient({
        ...(region ? { region } : {}),
        ...(options.endpoint ? { endpoint: options.endpoint } : {}),
        ...(options.credentials ? { credentials: options.credentials } : {}),
        maxAttempts: 3,
      });
    })();
    clients.set(key, client);
    return client;
  };
  return {
    async resolve(reference, context) {
      if (reference.target === '')
        throw new SecretLookupError('invalid_input', 'write secret:aws-sm:<name or ARN>#<field>');
      const arnRegion = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(reference.target)?.[1];
      const region = options.region ?? arnRegion ?? context.env.AWS_REGION ?? context.env.AWS_DEFAULT_REGION;
      if (!options.client && !region) {
        throw new SecretLookupError('invalid_input', 'no AWS region: set AWS_REGION or pass awsSecretsManager.region');
      }
      const { GetSecretValueCommand } = await loadClientModule();
      const signal = AbortSignal.any([context.signal, AbortSignal.timeout(options.timeoutMs ?? 10_000)]);
      let answer: { SecretString?: string | undefined; SecretBinary?: Uint8Array | undefined };
      try {
        answer = await (await clientFor(region)).send(new GetSecretValueCommand({ SecretId: reference.target }), {
          abortSignal: signal,
        });
      } catch (error) {
        const name = (error as Error).name ?? 'Error';
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const category = signal.aborted && !context.signal.aborted ? 'timeout' : categoryOfError(name, status);
        // The SDK's messages describe the failure (never the secret); keep only the error name here.
        throw new SecretLookupError(category, `AWS Secrets Manager: ${name}${status ? ` (HTTP ${status})` : ''}`, {
          cause: error,
        });
      }
      const text =
        answer.SecretString ?? (answer.SecretBinary ? Buffer.from(answer.SecretBinary).toString('utf8') : undefined);
      if (text === undefined) throw new SecretLookupError('not_found', 'the secret has no value');
      if (reference.field === undefined) return text;
      let values: unknown;
      try {
        values = JSON.parse(text);
      } catch {
        throw new SecretLookupError('invalid_input', `the secret is not JSON (needed for #${reference.field})`);
      }
      if (typeof values !== 'object' || values === null || Array.isArray(values)) {
        throw new SecretLookupError(
          'invalid_input',
          `the secret is not a JSON object (needed for #${reference.field})`,
        );
      }
      return pickField(values as Record<string, unknown>, reference);
    },
  };
}
