// `authenticateCall`, the one gRPC auth step (the grpc-gateway's interceptor calls it), on grpc-js
// Metadata with real signed tokens.
import { Metadata, status } from '@grpc/grpc-js';
import { beforeAll, describe, expect, it } from 'vitest';
import { authenticateCall } from '../src/grpc/index.js';
import {
  AuthError,
  createKeyRing,
  createTokenIssuer,
  createTokenVerifier,
  generateSigningKey,
  type KeyRing,
  type TokenVerifier,
} from '../src/index.js';
import { AUDIENCE, ISSUER, nowSeconds, signWith } from './helpers.js';

let keyRing: KeyRing;
let verifier: TokenVerifier;

beforeAll(async () => {
  keyRing = createKeyRing({ keys: [await generateSigningKey()] });
  verifier = createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: AUDIENCE });
});

function metadataWith(values: (string | Buffer)[]): Metadata {
  const metadata = new Metadata();
  for (const value of values) metadata.add('authorization', value as string);
  return metadata;
}

async function failure(metadata: Metadata): Promise<AuthError> {
  try {
    await authenticateCall(verifier, metadata);
  } catch (error) {
    if (AuthError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('the call was authenticated');
}

describe('authenticateCall', () => {
  it('verifies a bearer token and returns its principal', async () => {
    const { token } = await createTokenIssuer({ issuer: ISSUER, keyRing }).issueAccessToken({
      subject: 'alice',
      audience: AUDIENCE,
      roles: ['operator'],
    });
    const principal = await authenticateCall(verifier, metadataWith([`Bearer ${token}`]));
    expect(principal).toMatchObject({ subject: 'alice', roles: ['operator'] });
  });

  it('refuses no token, another scheme, two tokens and an expired token, each with its code and status', async () => {
    const missing = await failure(new Metadata());
    expect(missing).toMatchObject({ code: 'TOKEN_MISSING', grpcStatusCode: status.UNAUTHENTICATED });
    expect(missing.message).toContain('Authorization: Bearer');
    expect(await failure(metadataWith(['Basic abc']))).toMatchObject({
      code: 'TOKEN_MISSING',
      grpcStatusCode: status.UNAUTHENTICATED,
    });
    expect(await failure(metadataWith(['Bearer a', 'Bearer b']))).toMatchObject({ code: 'TOKEN_MALFORMED' });
    const now = nowSeconds();
    const expired = await signWith(keyRing.activeKey!, { iat: now - 7200, exp: now - 3600 });
    expect(await failure(metadataWith([`Bearer ${expired}`]))).toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('maps AuthError statuses onto grpc-js status numbers', () => {
    expect(new AuthError('TOKEN_EXPIRED', 'x').grpcStatusCode).toBe(status.UNAUTHENTICATED);
    expect(new AuthError('INSUFFICIENT_SCOPE', 'x').grpcStatusCode).toBe(status.PERMISSION_DENIED);
    expect(new AuthError('JWKS_UNAVAILABLE', 'x').grpcStatusCode).toBe(status.UNAVAILABLE);
    expect(new AuthError('TOKEN_IN_QUERY', 'x').grpcStatusCode).toBe(status.INVALID_ARGUMENT);
    expect(new AuthError('KEY_INVALID', 'x').grpcStatusCode).toBe(status.INTERNAL);
  });
});
