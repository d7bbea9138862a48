/**
 * What the server does after refusing an option: read and drop whatever the client
 * pipelined behind it, until the client hangs up, for at most a second. Closing with
 * unread bytes would send a reset, which can destroy the refusal still in flight; a
 * socket nobody reads never notices its peer has gone; and a client that keeps sending
 * must not be drained forever. Added on day 1.
 */
import type { Socket } from 'node:net';
import type { FrameReader } from '../codec/frame.ts';

/** How long a refused client has to read the reason and hang up. */
export const REFUSAL_LINGER_MS = 1000;

/** Drops frames until the client closes, or destroys the socket after REFUSAL_LINGER_MS. */
export async function lingerAfterRefusal(conn: Socket, reader: FrameReader): Promise<void> {
  const linger = setTimeout(() => conn.destroy(), REFUSAL_LINGER_MS).unref();
  try {
    while ((await reader.read()) !== null) {
      // dropped
    }
  } finally {
    clearTimeout(linger);
  }
}
