/**
 * Day 6 demo: one client, three servers. Calls spread by round robin, calls pinned by
 * a key, broadcasts to all, and a broadcast cut short by a timeout.
 * Mirrors GeeRPC's day6-load-balance/main/main.go.
 * Run: npx tsx day6-loadbalance/main.ts [--codec json|msgpack|yaml] [--trace]
 */
import { once } from 'node:events';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from './server.ts';
import type { CallContext } from './service.ts';
import { demoFlags, startTrace } from './trace.ts';
import { MultiServersDiscovery, SelectMode } from './xclient/discovery.ts';
import { XClient } from './xclient/xclient.ts';

interface Args {
  num1: number;
  num2: number;
}

// Each server's Foo knows its server's name, so that every reply says who answered.
class Foo {
  readonly server: string;

  constructor(server: string) {
    this.server = server;
  }

  sum({ num1, num2 }: Args): { sum: number; server: string } {
    return { sum: num1 + num2, server: this.server };
  }

  // Sleeps num1 × 30 ms, or less if the server gives up: the broadcast's slow method.
  async sleep(args: Args, { signal }: CallContext): Promise<{ sum: number; server: string }> {
    await sleep(args.num1 * 30, undefined, { signal }).catch(() => {});
    return this.sum(args);
  }
}

const { codecType, trace } = demoFlags();

// Three servers on free loopback ports. With --trace, server 1 is reached through the
// trace proxy, which prints the frames to and from it.
const closers: (() => Promise<void>)[] = []; // what the demo closes at its end
const addrs: string[] = [];
for (const name of ['server 1', 'server 2', 'server 3']) {
  const server = new Server();
  const listener = net.createServer();
  server.accept(listener);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  server.register(new Foo(name));
  closers.push(() => server.close());
  const port = (listener.address() as net.AddressInfo).port;
  const tap = trace && addrs.length === 0 ? await startTrace(port) : undefined;
  if (tap !== undefined) closers.push(() => tap.close());
  addrs.push(`tcp@127.0.0.1:${tap?.port ?? port}`);
  console.log(`${name}: ${addrs.at(-1)}`);
}

type Reply = { sum: number; server: string };
const show = (kind: string, { num1, num2 }: Args, reply: Reply) =>
  console.log(`${kind}: ${num1} + ${num2} = ${reply.sum}, answered by ${reply.server}`);
// A broadcast calls every server and resolves with the reply that came first. On an idle
// machine that is server 1's: its call leaves first. (Under --trace, the proxy in front
// of server 1 slows it, and server 2 answers first.)
const showFirst = (kind: string, { num1, num2 }: Args, reply: Reply) =>
  console.log(
    `${kind}: ${num1} + ${num2} = ${reply.sum}, first of ${addrs.length} replies from ${reply.server}`,
  );

// Five calls, round robin: each goes to the next server.
const xc = new XClient(new MultiServersDiscovery(addrs), SelectMode.RoundRobin, { codecType });
for (let i = 0; i < 5; i++) {
  const args = { num1: i, num2: i * i };
  show('call (round robin)', args, await xc.call<Reply>('Foo.sum', args));
}

// Calls with a key, consistent hashing: the same key, the same server, every time. A
// select mode belongs to an XClient, so this is a second one, with connections of its
// own: under --trace, you see it shake hands with server 1 too.
const pinned = new XClient(new MultiServersDiscovery(addrs), SelectMode.ConsistentHash, {
  codecType,
});
for (const key of ['alice', 'bob', 'alice', 'bob']) {
  const reply = await pinned.call<Reply>('Foo.sum', { num1: 1, num2: 1 }, { key });
  console.log(`call (key ${key}): answered by ${reply.server}`);
}

// Five broadcasts: every server is called; the first reply comes back.
for (let i = 0; i < 5; i++) {
  const args = { num1: i, num2: i * i };
  showFirst('broadcast', args, await xc.broadcast<Reply>('Foo.sum', args));
}

// Five slow broadcasts under a 75 ms limit: Foo.sleep takes num1 × 30 ms, so the ones
// that sleep 90 and 120 ms fail.
for (let i = 0; i < 5; i++) {
  const args = { num1: i, num2: i * i };
  const kind = `broadcast of Foo.sleep (${i * 30} ms), 75 ms limit`;
  await xc
    .broadcast<Reply>('Foo.sleep', args, { signal: AbortSignal.timeout(75) })
    .then((reply) => showFirst(kind, args, reply))
    .catch((err: Error) => console.log(`${kind}: ${err.name}: ${err.message}`));
}

await Promise.all([xc.close(), pinned.close()]);
await Promise.all(closers.map((close) => close()));
