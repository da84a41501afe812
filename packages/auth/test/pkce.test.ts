import { describe, expect, it } from 'vitest';
import { computePkceChallenge, createPkcePair, validatePkceChallenge, verifyPkce } from '../src/index.js';
import { expectAuthError } from './expect-auth-error.js';

// RFC 7636 Appendix B.
const RFC_VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
const RFC_CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const rejects = (fn: () => void) =>
  new Promise<void>((resolve) => {
    fn();
    resolve();
  });

describe('PKCE', () => {
  it('matches the RFC 7636 appendix B vector', () => {
    expect(computePkceChallenge(RFC_VERIFIER)).toBe(RFC_CHALLENGE);
    expect(() => verifyPkce(RFC_VERIFIER, RFC_CHALLENGE, 'S256')).not.toThrow();
    expect(() => validatePkceChallenge(RFC_CHALLENGE, 'S256')).not.toThrow();
  });

  it('creates pairs that verify and differ each time', () => {
    const first = createPkcePair();
    const second = createPkcePair();
    expect(first.method).toBe('S256');
    expect(first.verifier).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(first.verifier).not.toBe(second.verifier);
    expect(() => verifyPkce(first.verifier, first.challenge)).not.toThrow();
  });

  it('rejects a wrong verifier', async () => {
    const pair = createPkcePair();
    const error = await expectAuthError(
      rejects(() => verifyPkce(createPkcePair().verifier, pair.challenge)),
      'PKCE_MISMATCH',
    );
    expect(error.oauthError).toBe('invalid_grant');
  });

  it('rejects plain and a missing method', async () => {
    await expectAuthError(
      rejects(() => verifyPkce(RFC_VERIFIER, RFC_VERIFIER, 'plain')),
      'PKCE_METHOD_NOT_SUPPORTED',
    );
    await expectAuthError(
      rejects(() => validatePkceChallenge(RFC_CHALLENGE, undefined)),
      'PKCE_METHOD_NOT_SUPPORTED',
    );
  });

  it('rejects verifiers of the wrong length or charset', async () => {
    await expectAuthError(
      rejects(() => verifyPkce('a'.repeat(42), RFC_CHALLENGE)),
      'PKCE_VERIFIER_MALFORMED',
    );
    await expectAuthError(
      rejects(() => verifyPkce('a'.repeat(129), RFC_CHALLENGE)),
      'PKCE_VERIFIER_MALFORMED',
    );
    await expectAuthError(
      rejects(() => verifyPkce(`${'a'.repeat(42)}+`, RFC_CHALLENGE)),
      'PKCE_VERIFIER_MALFORMED',
    );
    expect(() => verifyPkce('a'.repeat(128), computePkceChallenge('a'.repeat(128)))).not.toThrow();
  });

  it('rejects a malformed challenge at the authorization endpoint', async () => {
    await expectAuthError(
      rejects(() => validatePkceChallenge('short', 'S256')),
      'PKCE_CHALLENGE_MALFORMED',
    );
  });
});
