import { createKeyRing, generateSigningKey, importSigningKey, type KeyRing, loadKeyRing } from '@mcs/auth';
import { boundErrorMessage } from '@mcs/resilience';
import type { Logger } from 'pino';
import { HttpMcpServerError } from '../http-mcp-server-error.js';

const EXPECTED = 'Give a private JWK (P-256 or Ed25519), a JSON list of them, or a key ring config';

/**
 * The authorization server's signing keys from `MCS_SIGNING_KEYS`: a private JWK, a list of private
 * JWKs (the last one signs), or an `@mcs/auth` key ring config (`{ activeKeyId?, keys: [...] }`).
 * Unset: one ephemeral ES256 key, with a warning (tokens die with the process and differ per replica).
 */
export async function loadSigningKeys(value: string | undefined, logger: Logger): Promise<KeyRing> {
  if (value === undefined) {
    logger.warn(
      'MCS_SIGNING_KEYS is not set: signing with an ephemeral ES256 key; tokens stop working at restart and other replicas reject them',
    );
    return createKeyRing({ keys: [await generateSigningKey({ alg: 'ES256' })] });
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    // Neither the parser's message nor the error as cause (a logged cause is printed): V8 quotes the
    // value's first characters ("Unexpected token 'd', \"dcKuhXYScH\"..."), which for a bare private
    // key pasted here is the key (found by fuzzing).
    const at = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw new HttpMcpServerError(
      'INVALID_CONFIG',
      `MCS_SIGNING_KEYS: not JSON${at === undefined ? '' : ` (at character ${at})`}. ${EXPECTED}`,
    );
  }
  try {
    if (json !== null && typeof json === 'object' && !Array.isArray(json) && 'keys' in json) {
      return await loadKeyRing(json);
    }
    const jwks = Array.isArray(json) ? json : [json];
    const keys = await Promise.all(jwks.map((jwk) => importSigningKey({ privateKey: JSON.stringify(jwk) })));
    return createKeyRing({ keys });
  } catch (error) {
    throw new HttpMcpServerError(
      'INVALID_CONFIG',
      `MCS_SIGNING_KEYS: ${boundErrorMessage((error as Error).message, 300)}. ${EXPECTED}`,
      { cause: error },
    );
  }
}
