/**
 * A day 7 server in a process of its own, for the reliability suites: GeeRPC over TCP
 * and over HTTP CONNECT, a `Foo` service, and a way to ask for its memory. It reports
 * any uncaught exception or unhandled rejection on stderr and exits 1, so that a test
 * can tell a crash from a clean run. Not part of any day.
 */

import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { heartbeat } from '../day7-registry/registry/registry.ts';
import { Server } from '../day7-registry/server.ts';
import type { CallContext } from '../day7-registry/service.ts';

for (const event of ['uncaughtException', 'unhandledRejection'] as const) {
  process.on(event, (err) => {
    console.error(`server-process: ${event}: ${(err as Error)?.stack ?? String(err)}`);
    process.exit(1);
  });
}

class Foo {
  sum({ num1, num2 }: { num1: number; num2: number }): number {
    return num1 + num2;
  }

  echo(args: unknown): unknown {
    return args;
  }

  // A reply of `bytes` bytes (at most 1 MiB) for a request of a few: for the unread-replies suite.
  blob(bytes: number): string {
    return 'x'.repeat(Math.min(bytes, 1024 * 1024));
  }

  // Holds its argument for 2 s, or until the server gives up: for the memory suite.
  async hold(_args: unknown, { signal }: CallContext): Promise<null> {
    await sleep(2000, undefined, { signal }).catch(() => {});
    return null;
  }

  // Takes `ms`, or until the server gives up (its signal): for the exactly-once suite.
  async sleep(ms: number, { signal }: CallContext): Promise<number> {
    await sleep(ms, undefined, { signal }).catch(() => {}); // its listener goes with it
    return ms;
  }
}

const server = new Server({ log: () => {}, handshakeTimeout: 2_000 });
server.register(new Foo());
const tcp = net.createServer();
server.accept(tcp);
tcp.listen(0, '127.0.0.1');
const web = http.createServer();
server.handleHTTP(web);
web.listen(0, '127.0.0.1');
await Promise.all([once(tcp, 'listening'), once(web, 'listening')]);

const port = (s: net.Server) => (s.address() as net.AddressInfo).port;
// With REGISTRY_URL set, the server keeps itself listed there, every 100 ms.
const registryUrl = process.env.REGISTRY_URL;
if (registryUrl) heartbeat(registryUrl, `tcp@127.0.0.1:${port(tcp)}`, 100, { log: () => {} });
process.send?.({ tcp: port(tcp), http: port(web) });
process.on('message', (message: { cmd: string }) => {
  if (message.cmd === 'memory') {
    globalThis.gc?.();
    process.send?.({ memory: process.memoryUsage() });
  }
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
