/**
 * Day 7 demo, the whole framework: a registry, two servers that keep themselves listed
 * with heartbeats, and a client that finds them there. Then one server leaves, and the
 * calls move to the other. Mirrors GeeRPC's day7-registry/main/main.go.
 * With --etcd, the same story on etcd: a lease per server, and a watch instead of polling.
 * Run: npx tsx day7-registry/main.ts [--codec json|msgpack|yaml] [--trace] [--etcd]
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { EtcdDiscovery } from './etcd/discovery.ts';
import { hasEtcd, LocalEtcd } from './etcd/local.ts';
import { etcdClient, registerEtcd } from './etcd/register.ts';
import { advertisedAddr, GeeRegistry, heartbeat } from './registry/registry.ts';
import { Server } from './server.ts';
import { demoFlags, startTrace } from './trace.ts';
import { type Discovery, SelectMode } from './xclient/discovery.ts';
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

const { codecType, trace, extra } = demoFlags({
  etcd: 'use etcd (started here, in a temp dir) instead of GeeRegistry',
});

// What the demo needs of a registry: a way for a server to be listed until it stops, a
// Discovery for the client, and a way to shut it all down.
interface DemoRegistry {
  register(addr: string): { stop(): Promise<void> };
  discovery: Discovery;
  close(): Promise<void>;
}

// GeeRegistry on an HTTP server of its own; servers send heartbeats, the client polls.
async function startGeeRegistry(): Promise<DemoRegistry> {
  const registryServer = http.createServer();
  // A server not heard from for 3 s is dropped (the default is 5 minutes): with beats
  // every second, a server that dies without a word is unlisted within 3 s.
  new GeeRegistry(3_000).handleHTTP(registryServer);
  registryServer.listen(0, '127.0.0.1');
  await once(registryServer, 'listening');
  const url = `http://127.0.0.1:${(registryServer.address() as net.AddressInfo).port}/_geerpc_/registry`;
  console.log(`registry: ${url}`);
  return {
    register: (addr) => heartbeat(url, addr, 1_000),
    // The client's list may be 100 ms old (the default is 10 s).
    discovery: new GeeRegistryDiscovery(url, 100),
    close: () => new Promise((resolve) => registryServer.close(() => resolve())),
  };
}

// etcd, one member in a temp dir; servers hold leases, the client watches.
async function startEtcd(): Promise<DemoRegistry> {
  if (!hasEtcd()) {
    console.error('--etcd needs etcd: sudo apt-get install -y etcd-server (or set ETCD_PATH)');
    process.exit(2);
  }
  const etcd = new LocalEtcd();
  await etcd.start();
  console.log(`registry: etcd at ${etcd.url}`);
  const client = etcdClient(etcd.url);
  const discovery = new EtcdDiscovery(client);
  return {
    register: (addr) => registerEtcd(client, addr, { ttl: 5 }),
    discovery,
    close: async () => {
      await discovery.close();
      client.close();
      await etcd.remove();
    },
  };
}

const registry = extra.has('etcd') ? await startEtcd() : await startGeeRegistry();

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
  const listed = registry.register(addr);
  console.log(`${name}: ${addr}, registered`);
  // A graceful shutdown: stop accepting, leave the registry, let the calls in flight
  // reply (within 10 s by default), then close.
  const close = async () => {
    await server.shutdown({ leave: listed });
    await tap?.close();
  };
  return { name, close };
}
const servers = [await startServer('server 1', trace), await startServer('server 2')];
// The first registrations take a moment (a beat, or an etcd lease): wait until both are listed.
for (let tries = 1; (await registry.discovery.getAll().catch(() => [])).length < 2; tries++) {
  if (tries === 50) throw new Error('the servers were not listed within 5 s');
  await sleep(100);
}

// The client knows only the registry. A broadcast calls every listed server and resolves
// with the reply that came first. The registry lists addresses sorted, so the server whose
// address sorts first is called first and, on an idle machine, answers first.
const xc = new XClient(registry.discovery, SelectMode.RoundRobin, { codecType });
async function calls(kind: 'call' | 'broadcast') {
  const listed = (await registry.discovery.getAll()).length;
  const from = kind === 'call' ? 'answered by' : `first of ${listed} replies from`;
  for (let i = 0; i < 5; i++) {
    const args = { num1: i, num2: i * i };
    const { sum, server } = await xc[kind]<{ sum: number; server: string }>('Foo.sum', args);
    console.log(`${kind}: ${i} + ${i * i} = ${sum}, ${from} ${server}`);
  }
}
await calls('call');
await calls('broadcast');

// Server 2 leaves: it deregisters (its heartbeat sends a DELETE; its etcd lease is
// revoked) while its last calls finish, then it closes.
await servers[1]?.close();
console.log('server 2 shut down: left the registry, finished its calls, closed');
await sleep(150); // GeeRegistry: the client's list is now stale; etcd: the watch has seen it go
// Calls never wait for a refresh once there is a list (a slow registry must not stall
// them), so a call right now might still pick server 2. The demo waits for the new list.
await registry.discovery.refresh();
await calls('call');

await xc.close();
await servers[0]?.close();
await registry.close();
