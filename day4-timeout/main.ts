/**
 * Day 4 demo: every wait has a limit. A call that succeeds, a call the caller gives up
 * on, a call the server gives up on, and a dial to a server that never answers.
 * Mirrors GeeRPC's day4-timeout/main/main.go.
 * Run: npx tsx day4-timeout/main.ts [--codec json|msgpack|yaml] [--trace]
 */
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial } from './client.ts';
import { accept, defaultServer, register } from './server.ts';
import type { CallContext } from './service.ts';
import { demoFlags, startTrace } from './trace.ts';

interface Args {
  num1: number;
  num2: number;
}

class Foo {
  sum({ num1, num2 }: Args): number {
    return num1 + num2;
  }

  // Takes 100 ms, unless the server gives up first: then its signal says stop.
  async slowSum(args: Args, { signal }: CallContext): Promise<number> {
    try {
      await sleep(100, undefined, { signal });
      console.log('  (server) slowSum finished its 100 ms of work');
    } catch {
      console.log('  (server) slowSum stopped early: its signal fired');
    }
    return this.sum(args);
  }
}

const { codecType, trace } = demoFlags();

register(new Foo());
const listener = net.createServer();
accept(listener);
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const serverPort = (listener.address() as net.AddressInfo).port;
const tap = trace ? await startTrace(serverPort) : undefined;
const address = `127.0.0.1:${tap?.port ?? serverPort}`;
const args = { num1: 1, num2: 2 };

// 1. In time.
const client = await dial('tcp', address, { codecType });
console.log(`1 + 2 = ${await client.call('Foo.sum', args)}`);

// 2. The caller gives up after 50 ms, as Go's context.WithTimeout would.
await client
  .call('Foo.slowSum', args, { signal: AbortSignal.timeout(50) })
  .catch((err: Error) => console.log(`slowSum, caller's limit 50 ms: ${err.name}: ${err.message}`));
await sleep(100); // the server works on: the caller's signal never reaches it. Its reply is dropped.
await client.close();

// 3. The server gives up after 50 ms: handleTimeout travels in the option.
const impatient = await dial('tcp', address, { codecType, handleTimeout: 50 });
await impatient
  .call('Foo.slowSum', args)
  .catch((err: Error) => console.log(`slowSum, server's limit 50 ms: ${err.name}: ${err.message}`));
await impatient.close();

// 4. A listener that accepts connections and never answers the option.
const silent = net.createServer((conn) => conn.resume());
silent.listen(0, '127.0.0.1');
await once(silent, 'listening');
const silentPort = (silent.address() as net.AddressInfo).port;
await dial('tcp', `127.0.0.1:${silentPort}`, { connectTimeout: 100 }).catch((err: Error) =>
  console.log(`dial a silent server, limit 100 ms: ${err.name}: ${err.message}`),
);
await new Promise((resolve) => silent.close(resolve));

await tap?.close();
await defaultServer.close();
