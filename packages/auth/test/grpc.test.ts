import {
  type Client,
  credentials,
  Metadata,
  makeGenericClientConstructor,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceError,
  status,
} from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthInterceptor, getPrincipal } from '../src/grpc/index.js';
import {
  AuthError,
  createKeyRing,
  createRbac,
  createTokenIssuer,
  createTokenVerifier,
  generateSigningKey,
  type KeyRing,
} from '../src/index.js';
import { AUDIENCE, ISSUER, nowSeconds, signWith } from './helpers.js';

// A JSON-encoded test service, so the test needs no generated code: one unary and one server-streaming method.
const json = {
  requestSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  requestDeserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
  responseSerialize: (value: unknown) => Buffer.from(JSON.stringify(value)),
  responseDeserialize: (bytes: Buffer) => JSON.parse(bytes.toString()) as unknown,
};
const service = {
  WhoAmI: { path: '/test.Auth/WhoAmI', requestStream: false, responseStream: false, ...json },
  Stream: { path: '/test.Auth/Stream', requestStream: false, responseStream: true, ...json },
  Health: { path: '/test.Auth/Health', requestStream: false, responseStream: false, ...json },
};
type TestClient = Client &
  Record<
    'WhoAmI' | 'Health',
    (request: unknown, metadata: Metadata, callback: (error: ServiceError | null, response?: unknown) => void) => void
  > & {
    Stream(request: unknown, metadata: Metadata): NodeJS.ReadableStream;
  };

let server: Server;
let client: TestClient;
let keyRing: KeyRing;

beforeAll(async () => {
  keyRing = createKeyRing({ keys: [await generateSigningKey()] });
  const rbac = createRbac({ rules: { 'role:operator': ['native.*'] } });
  server = new Server({
    interceptors: [
      createAuthInterceptor({
        verifier: createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE }),
        isPublicMethod: (path) => path === '/test.Auth/Health',
        authorize: (principal, call) => {
          if (call.metadata.get('x-test-bug').length > 0) throw new TypeError('bug in authorize');
          const tool = call.metadata.get('mcp-tool')[0];
          if (typeof tool === 'string') rbac.assertAllowed(principal, tool);
        },
      }),
    ],
  });
  server.addService(service, {
    WhoAmI: (call: ServerUnaryCall<unknown, unknown>, callback: (error: null, value: unknown) => void) =>
      callback(null, { subject: getPrincipal(call)?.subject, roles: getPrincipal(call)?.roles }),
    Stream: (call: ServerWritableStream<unknown, unknown>) => {
      for (let i = 0; i < 3; i += 1) call.write({ i, subject: getPrincipal(call)?.subject });
      call.end();
    },
    Health: (call: ServerUnaryCall<unknown, unknown>, callback: (error: null, value: unknown) => void) =>
      callback(null, { serving: true, principal: getPrincipal(call) ?? null }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  const Constructor = makeGenericClientConstructor(service, 'Auth');
  client = new Constructor(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as TestClient;
});

afterAll(async () => {
  client?.close();
  await new Promise<void>((resolve) => (server ? server.tryShutdown(() => resolve()) : resolve()));
});

function bearer(token: string, extra: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
  return metadata;
}

function unary(
  method: 'WhoAmI' | 'Health',
  metadata: Metadata,
): Promise<{ error: ServiceError | null; response?: unknown }> {
  return new Promise((resolve) => {
    client[method]({}, metadata, (error, response) => resolve({ error, response }));
  });
}

async function issue(roles: string[] = []): Promise<string> {
  return (
    await createTokenIssuer({ issuer: ISSUER, keyRing }).issueAccessToken({
      subject: 'alice',
      audience: AUDIENCE,
      roles,
    })
  ).token;
}

describe('@mcs/auth/grpc interceptor on a real grpc-js server', () => {
  it('passes an authenticated call to the handler with the principal', async () => {
    const { error, response } = await unary('WhoAmI', bearer(await issue(['operator'])));
    expect(error).toBeNull();
    expect(response).toEqual({ subject: 'alice', roles: ['operator'] });
  });

  it('refuses a call without a token with UNAUTHENTICATED and a message', async () => {
    const { error } = await unary('WhoAmI', new Metadata());
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(error?.details).toContain('Authorization: Bearer');
    expect(error?.metadata.get('mcs-auth-error')).toEqual(['TOKEN_MISSING']);
  });

  it('refuses an expired token with UNAUTHENTICATED', async () => {
    const now = nowSeconds();
    const { error } = await unary(
      'WhoAmI',
      bearer(await signWith(keyRing.activeKey!, { iat: now - 7200, exp: now - 3600 })),
    );
    expect(error?.code).toBe(status.UNAUTHENTICATED);
    expect(error?.metadata.get('mcs-auth-error')).toEqual(['TOKEN_EXPIRED']);
  });

  it('refuses a tool the RBAC rules deny with PERMISSION_DENIED naming the tool', async () => {
    const { error } = await unary('WhoAmI', bearer(await issue(['viewer']), { 'mcp-tool': 'native.echo' }));
    expect(error?.code).toBe(status.PERMISSION_DENIED);
    expect(error?.details).toContain('"native.echo"');
    const allowed = await unary('WhoAmI', bearer(await issue(['operator']), { 'mcp-tool': 'native.echo' }));
    expect(allowed.error).toBeNull();
  });

  it('authenticates server-streaming calls too', async () => {
    const collect = (metadata: Metadata) =>
      new Promise<{ items: unknown[]; error?: ServiceError }>((resolve) => {
        const items: unknown[] = [];
        const stream = client.Stream({}, metadata);
        stream.on('data', (item: unknown) => items.push(item));
        stream.on('error', (error: ServiceError) => resolve({ items, error }));
        stream.on('end', () => resolve({ items }));
      });
    const ok = await collect(bearer(await issue()));
    expect(ok.items).toEqual([0, 1, 2].map((i) => ({ i, subject: 'alice' })));
    const refused = await collect(new Metadata());
    expect(refused.items).toEqual([]);
    expect(refused.error?.code).toBe(status.UNAUTHENTICATED);
  });

  it('ends the call with INTERNAL (not a misleading auth status) when authorize throws a non-AuthError', async () => {
    const { error } = await unary('WhoAmI', bearer(await issue(), { 'x-test-bug': '1' }));
    expect(error?.code).toBe(status.INTERNAL);
    expect(error?.metadata.get('mcs-auth-error')).toEqual(['INTERNAL_ERROR']);
  });

  it('serves public methods without a token', async () => {
    const { error, response } = await unary('Health', new Metadata());
    expect(error).toBeNull();
    expect(response).toEqual({ serving: true, principal: null });
  });

  it('maps AuthError statuses onto grpc-js status numbers', () => {
    expect(new AuthError('TOKEN_EXPIRED', 'x').grpcStatusCode).toBe(status.UNAUTHENTICATED);
    expect(new AuthError('INSUFFICIENT_SCOPE', 'x').grpcStatusCode).toBe(status.PERMISSION_DENIED);
    expect(new AuthError('JWKS_UNAVAILABLE', 'x').grpcStatusCode).toBe(status.UNAVAILABLE);
    expect(new AuthError('TOKEN_IN_QUERY', 'x').grpcStatusCode).toBe(status.INVALID_ARGUMENT);
    expect(new AuthError('KEY_INVALID', 'x').grpcStatusCode).toBe(status.INTERNAL);
  });
});
