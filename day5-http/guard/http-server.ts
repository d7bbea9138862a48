/**
 * What handleHTTP asks of the HTTP server it is given, before it answers anything: that
 * no other handler answers its requests (each would be answered twice), and that a
 * connection that never sends a byte is closed in time. Node starts its header timer
 * at the first byte, so until then nothing else would. Added on day 5.
 */
import type { Server as HttpServer } from 'node:http';

/** Throws if `httpServer` already has a handler; closes its idle connections after `idleMs`. */
export function claimHttpServer(httpServer: HttpServer, idleMs: number): void {
  if (httpServer.listenerCount('request') + httpServer.listenerCount('connect') > 0) {
    throw new Error('rpc server: handleHTTP needs an HTTP server with no request handler');
  }
  if (httpServer.timeout === 0) httpServer.timeout = idleMs; // a timeout set by its owner stays
}
