/**
 * Which requests reach the registry: those of its own HTTP server whose target's path
 * is the registry's. The path is read without new URL(), which throws on targets Node's
 * HTTP parser lets through (`//`): a throw in a request handler would take the whole
 * process down. Added on day 7.
 */
import type { Server } from 'node:http';

/** Whether a request target (`req.url`) names `path`, whatever its query. */
export function onPath(target: string | undefined, path: string): boolean {
  return (target ?? '').split('?', 1)[0] === path;
}

/**
 * Throws if `httpServer` already has a request handler (two would answer one request);
 * closes its connections once they are silent for `idleMs`, as day 5's handleHTTP does,
 * unless its owner chose a timeout. Node's own timers start only at a request's first byte.
 */
export function claimServer(httpServer: Server, idleMs: number): void {
  if (httpServer.listenerCount('request') > 0) {
    throw new Error('rpc registry: handleHTTP needs an HTTP server with no request handler');
  }
  if (httpServer.timeout === 0) httpServer.timeout = idleMs;
  // A request that trickles in, a header line or a body byte at a time, is bounded too
  // (Node allows 60 s for headers, 300 s for a request); these only ever get shorter.
  httpServer.headersTimeout = Math.min(httpServer.headersTimeout, idleMs);
  httpServer.requestTimeout = Math.min(httpServer.requestTimeout || idleMs, idleMs);
}
