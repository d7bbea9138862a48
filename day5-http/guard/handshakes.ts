/**
 * The TCP connections under a TLS listener, each from its accept to its close: the
 * server's `close()` must reach one still in its TLS handshake, which no
 * 'secureConnection' has handed to the server yet. A client that connects and sends
 * nothing would otherwise hold `close()` and `shutdown()` for tls.Server's own
 * `handshakeTimeout` (120 s unless the listener was made with a shorter one). Day 5.
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
  }

  /** Destroys every one still open, its TLS socket with it. */
  destroyAll(): void {
    for (const raw of this.#raw) raw.destroy();
  }
}
