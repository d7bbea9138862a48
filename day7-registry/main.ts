/**
 * Day 7 demo, the whole framework: a registry, two servers that keep themselves listed
 * with heartbeats, and a client that finds them there. Then one server leaves, and the
 * calls move to the other. Mirrors GeeRPC's day7-registry/main/main.go.
 * Run: npx tsx day7-registry/main.ts [--codec json|msgpack|yaml] [--trace]
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { advertisedAddr, GeeRegistry, heartbeat } from './registry/registry.ts';
import { Server } from './server.ts';
import { demoFlags, startTrace } from './trace.ts';
import { SelectMode } from './xclient/discovery.ts';
import { GeeRegistryDiscovery } from './xclient/discovery-gee.ts';
import { XClient } from './xclient/xclient.ts';

interface Args {
  num1: number;
  num2: number;
}

class Foo {
  readonly server: string;

  constructor(server: string) {
    this.server = server;
  }

  sum({ num1, num2 }: Args): { sum: number; server: string } {
    return { sum: num1 + num2, server: this.server };
  }
}

const { codecType, trace } = demoFlags();

// The registry, on an HTTP server of its own.
const registryServer = http.createServer();
new GeeRegistry().handleHTTP(registryServer);
registryServer.listen(0, '127.0.0.1');
await once(registryServer, 'listening');
const registryUrl = `http://127.0.0.1:${(registryServer.address() as net.AddressInfo).port}/_geerpc_/registry`;
console.log(`registry: ${registryUrl}`);

// Two servers, each advertising its address with a heartbeat. With --trace, server 1
// advertises the trace proxy in front of it, which prints the frames to and from it.
async function startServer(name: string, traced = false) {
  const server = new Server();
  const listener = net.createServer();
  server.accept(listener);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  server.register(new Foo(name));
  const tap = traced ? await startTrace((listener.address() as net.AddressInfo).port) : undefined;
  const addr = tap === undefined ? advertisedAddr(listener) : `tcp@127.0.0.1:${tap.port}`;
  const beat = heartbeat(registryUrl, addr, 1_000);
  console.log(`${name}: ${addr}, heartbeats to the registry every second`);
  const close = async () => {
    await beat.stop(); // leave the registry first, then stop serving
    await Promise.all([server.close(), tap?.close()]);
  };
  return { name, close };
}
const servers = [await startServer('server 1', trace), await startServer('server 2')];
await sleep(50); // let the first beats land

// The client knows only the registry. Its list may be 100 ms old (the default is 10 s).
const xc = new XClient(new GeeRegistryDiscovery(registryUrl, 100), SelectMode.RoundRobin, {
  codecType,
});
async function calls(kind: 'call' | 'broadcast') {
  for (let i = 0; i < 5; i++) {
    const args = { num1: i, num2: i * i };
    const { sum, server } = await xc[kind]<{ sum: number; server: string }>('Foo.sum', args);
    console.log(`${kind}: ${i} + ${i * i} = ${sum}, answered by ${server}`);
  }
}
await calls('call');
await calls('broadcast');

// Server 2 leaves: its heartbeat stops and deregisters it, then the server closes.
await servers[1]?.close();
console.log('server 2 stopped and left the registry');
await sleep(150); // the client's list is now older than 100 ms: its next call fetches it
await calls('call');

await xc.close();
await servers[0]?.close();
await new Promise((resolve) => registryServer.close(resolve));
