/**
 * The answer to a CONNECT the server will not serve (another path: 404; the server is
 * closing: 503), and what follows it: the connection is read and dropped until the
 * client hangs up, so that its FIN arrives even behind 64 KiB of unread bytes, and is
 * destroyed after REFUSAL_LINGER_MS if it never does, as a refused option is.
 * Added on day 5.
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { REFUSAL_LINGER_MS } from './linger.ts';

/** Answers the CONNECT with `status` and lets the socket go, within REFUSAL_LINGER_MS. */
export function refuseConnect(conn: Socket, status: 404 | 503): void {
  conn.on('error', () => {}); // Node's HTTP server has removed its own: a reset would crash us
  conn.end(`HTTP/1.0 ${status} ${STATUS_CODES[status]}\r\n\r\n`);
  conn.resume();
  const linger = setTimeout(() => conn.destroy(), REFUSAL_LINGER_MS).unref();
  conn.once('close', () => clearTimeout(linger));
}
