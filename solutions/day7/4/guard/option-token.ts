/**
 * The server's optional token (day 7, exercise 4). With one, a connection's Option must
 * carry it, or the option is refused with a reason, as a wrong magic number is. Compared
 * in constant time, as the registry's token (guard/registry-token.ts). Without TLS the
 * token travels in the clear: pair it with a `tls@` address.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Why an option's `given` token is refused, or undefined when it passes (always, with no token). */
export function tokenRefusal(given: unknown, token: string | undefined): string | undefined {
  if (!token) return undefined;
  if (typeof given !== 'string' || given === '') return 'missing token';
  // Digests of equal length: how long the comparison takes says nothing about the guess.
  return timingSafeEqual(sha256(given), sha256(token)) ? undefined : 'wrong token';
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
