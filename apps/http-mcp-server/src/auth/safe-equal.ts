import { timingSafeEqual } from 'node:crypto';

/** Constant-time string equality (CSRF tokens): no early exit that would leak the matching prefix. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
