/**
 * The registry's optional shared token. With one, every POST and DELETE must carry it
 * (`Authorization: Bearer <token>`) or is refused with 401, so that whoever can reach
 * the registry cannot list a server of theirs or delete yours. Without one the
 * registry is open, as GeeRPC's. Added on day 7.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Throws for a token that would leave the registry open or cannot travel in a header:
 * an empty one (an unset environment variable, say) meant no token at all.
 */
export function checkToken(token: string | undefined): void {
  if (token === undefined) return;
  if (typeof token !== 'string' || !/^[\x21-\x7e]+$/.test(token)) {
    throw new TypeError('rpc registry: a token is 1 or more printable ASCII characters');
  }
}

/** The headers that carry `token` to the registry: none without one. */
export function tokenHeader(token: string | undefined): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Whether `req` may change the list: it carries the token, or there is none. */
export function tokenMatches(req: IncomingMessage, token: string | undefined): boolean {
  if (!token) return true;
  // Digests of equal length, compared in constant time: how long the comparison takes
  // says nothing about how much of a guess was right.
  return timingSafeEqual(sha256(req.headers.authorization ?? ''), sha256(`Bearer ${token}`));
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
