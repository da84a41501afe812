import { gatewayLimits } from '@mcs/protos';
import { quoteValue } from '@mcs/resilience';
import { GatewayError } from '../gateway-error.js';

// The contract's sizes (`gatewayLimits`), checked before anything looks a name up, so that a refusal
// says what is wrong instead of echoing the value.

/** Throws INVALID_ARGUMENT when `value` (the request's `field`) is longer than `maxChars`. */
export function assertWithinLimit(field: string, value: string, maxChars: number): void {
  if (value.length > maxChars) {
    throw new GatewayError(
      'INVALID_ARGUMENT',
      `The ${field} has ${value.length} characters; at most ${maxChars} are allowed (it starts ${quoteValue(value, 40)}).`,
    );
  }
}

export const assertName = (field: string, value: string) => assertWithinLimit(field, value, gatewayLimits.nameChars);
export const assertUri = (field: string, value: string) => assertWithinLimit(field, value, gatewayLimits.uriChars);
