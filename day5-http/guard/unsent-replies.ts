/**
 * Counts each reply as in flight from the moment it is written until the socket has
 * taken it, so that replies a client leaves unread stop the read loop as requests being
 * handled do, on its connection and server-wide. The read loop calls it once per
 * connection. Added on day 1.
 */
import type { Socket } from 'node:net';
import type { InFlight } from './in-flight.ts';

/** From now on, every `conn.write(buffer)` counts in `inFlight` until Node calls its callback. */
export function countUnsentReplies(conn: Socket, inFlight: InFlight): void {
  const write = conn.write.bind(conn) as (message: Buffer, sent: () => void) => boolean;
  // Node calls write callbacks in the order of the writes (with an error for those a
  // destroyed socket dropped), so one callback, `inFlight.sent`, serves every write.
  // The codec writes one Buffer per message and never passes a callback of its own.
  conn.write = ((message: Buffer) => {
    inFlight.sending(message.length);
    return write(message, inFlight.sent);
  }) as Socket['write'];
}
