import { describe, expect, it } from 'vitest';
import { createKeyRing, createTokenVerifier, generateSigningKey } from '../src/index.js';
import { AUDIENCE, ISSUER, signWith } from './helpers.js';

describe('claims mapping', () => {
  it('reads scopes from scope and scp, roles from roles and Keycloak realm/resource access', async () => {
    const keyRing = createKeyRing({ keys: [await generateSigningKey()] });
    const verifier = createTokenVerifier({ jwks: keyRing, issuer: ISSUER, audience: [AUDIENCE, 'mcs-gateway'] });
    const token = await signWith(keyRing.activeKey!, {
      aud: ['mcs-gateway', 'account'],
      scope: 'openid profile',
      scp: ['tools:read', 'profile'],
      roles: ['operator'],
      azp: 'chat-cli',
      realm_access: { roles: ['offline_access', 'operator'] },
      resource_access: { 'mcs-gateway': { roles: ['tool-admin'] }, account: { roles: ['manage-account'] } },
    });
    const principal = await verifier.verify(token);
    expect(principal.scopes).toEqual(['openid', 'profile', 'tools:read']);
    // resource_access counts only for this resource's clients (default: the audience values).
    expect(principal.roles).toEqual(['operator', 'offline_access', 'tool-admin']);
    expect(principal.clientId).toBe('chat-cli');
    expect(principal.audience).toEqual(['mcs-gateway', 'account']);
  });

  it('uses roleClients to pick resource_access entries', async () => {
    const keyRing = createKeyRing({ keys: [await generateSigningKey()] });
    const verifier = createTokenVerifier({
      jwks: keyRing,
      issuer: ISSUER,
      audience: AUDIENCE,
      roleClients: ['account'],
    });
    const token = await signWith(keyRing.activeKey!, {
      resource_access: { account: { roles: ['manage-account'] }, other: { roles: ['x'] } },
    });
    expect((await verifier.verify(token)).roles).toEqual(['manage-account']);
  });
});
