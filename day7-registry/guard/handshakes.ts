/**
 * A TLS listener's connections before their handshake is done, which no
 * 'secureConnection' has handed to the server yet. Two things end them:
 * - a handshake that fails or outlasts tls.Server's `handshakeTimeout` (120 s unless the
 *   listener was made with a shorter one): Node 20 reports it as 'tlsClientError' and
 *   leaves the socket open, so a client that connects and sends nothing would hold it
 *   (and a place under `maxConnections`) for ever;
 * - the server's `close()`, which would otherwise wait for them. Day 5.
 */
import type { Server as NetServer, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

export class Handshakes {
  readonly #raw = new Set<Socket>();

  /** Tracks `listener`'s TCP connections, if it is a TLS listener, until each closes. */
  watch(listener: NetServer): void {
    if (!(listener instanceof TlsServer)) return;
    listener.on('connection', (raw: Socket) => {
      this.#raw.add(raw);
      raw.once('close', () => this.#raw.delete(raw));
    });
    listener.on('tlsClientError', (_err: Error, tlsSocket: Socket) => tlsSocket.destroy());
  }

  /** Destroys every one still open, its TLS socket with it. */
  destroyAll(): void {
    for (const raw of this.#raw) raw.destroy();
  }
}
