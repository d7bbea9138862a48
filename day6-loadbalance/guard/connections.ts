/**
 * The server's bound on connections held at once, on each listener it serves: past it,
 * Node closes a new connection before a byte of it is read. Added on day 1 (day 5 applies
 * it to HTTP servers too).
 */
import type { Server as NetServer } from 'node:net';

/** Past `max` open connections, `listener` closes new ones at once; Infinity leaves it be. */
export function limitConnections(listener: NetServer, max: number): void {
  if (Number.isFinite(max)) listener.maxConnections = max; // else the listener's own stays
}
