/**
 * Timeouts from outside the process: a number of ms that a timer can honour, 0 meaning
 * no limit. setTimeout runs a delay past 2^31-1 ms (or one that is not a number) after
 * 1 ms, turning "wait long" into "fail at once". The server checks a client's
 * handleTimeout with it and caps it; the client checks its own connectTimeout.
 * Added on day 4.
 */
import { clip, messageOf } from './text.ts';

/** The longest timeout a timer can keep: 2^31-1 ms, about 24.8 days. */
export const MAX_TIMEOUT = 2 ** 31 - 1;

/** A timeout in ms that a timer can honour, 0 (no limit) included. */
export function isTimeout(ms: unknown): ms is number {
  return typeof ms === 'number' && ms >= 0 && ms <= MAX_TIMEOUT;
}

/** Why `value`, sent as the option field `name`, is not a timeout. */
export function notATimeout(name: string, value: unknown): string {
  const got = typeof value === 'string' ? JSON.stringify(value) : messageOf(value);
  return `${name} must be a number of ms from 0 to ${MAX_TIMEOUT}, got ${clip(got)}`;
}

/** The timeout a client asked for, never more than the server's `cap`; 0 = no limit, on either side. */
export function capTimeout(asked: number, cap: number): number {
  if (cap <= 0) return asked;
  return asked > 0 ? Math.min(asked, cap) : cap;
}
