/**
 * A bound on idle connections, off by default: once `idleTimeout` passes with no byte
 * either way and no request being handled, the server closes the connection. The read
 * loop sets it once, after the handshake. Added on day 4.
 */
import type { Socket } from 'node:net';
import type { InFlight } from './in-flight.ts';

/** Closes `conn` after `ms` without a byte in or out while `inFlight` is empty (0 = never). */
export function closeWhenIdle(conn: Socket, ms: number, inFlight: InFlight): void {
  if (!(ms > 0)) return;
  // Node's socket timer starts again at every byte read and every write that completes,
  // so only silence fires it. A handler still running is not idleness: its reply is on
  // the way. Nor is a reply the client is still reading: one large write completes only
  // once all of it has left, however slowly the client takes it.
  conn.setTimeout(ms, () => {
    if (inFlight.empty && conn.writableLength === 0) conn.destroy();
  });
}
