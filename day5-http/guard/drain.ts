/**
 * The wait behind backpressure: resolves once a socket has handed what was written to
 * the OS, or has closed. The server's read loop waits on it when a client leaves too
 * many replies unread, and before it closes a connection. Added on day 1.
 */
import type { Socket } from 'node:net';

const waits = new WeakMap<Socket, Promise<void>>(); // one wait per socket, however many wait

export function drained(conn: Socket): Promise<void> {
  if (!conn.writableNeedDrain || conn.destroyed) return Promise.resolve();
  let wait = waits.get(conn);
  if (wait === undefined) {
    wait = new Promise<void>((resolve) => {
      const done = () => {
        conn.off('drain', done).off('close', done);
        waits.delete(conn);
        resolve();
      };
      conn.on('drain', done).on('close', done);
    });
    waits.set(conn, wait);
  }
  return wait;
}
