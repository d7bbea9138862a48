/**
 * Tests of day 7's discovery from the registry, and of the whole framework end to end:
 * registry, heartbeats, XClient, and a server that leaves. Added on day 7.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { advertisedAddr, heartbeat } from '../registry/registry.ts';
import { Server } from '../server.ts';
import { DAY, startRegistry, stopRegistry } from '../test-helpers.ts';
import { SelectMode } from './discovery.ts';
import { GeeRegistryDiscovery } from './discovery-gee.ts';
import { XClient } from './xclient.ts';

/** A registry that already lists `servers`, and counts the GETs it answers. */
async function startListing(t: TestContext, servers: string[]) {
  const { url, httpServer, requests } = await startRegistry(t);
  for (const addr of servers) {
    const res = await fetch(url, { method: 'POST', headers: { 'X-Geerpc-Server': addr } });
    await res.body?.cancel();
  }
  const gets = () => requests.filter((request) => request === 'GET').length;
  return { url, gets, stop: () => stopRegistry(httpServer) };
}

describe(`${DAY}: discovery from the registry`, () => {
  test('fetches the list on first use, then again only when it is older than timeout', async (t) => {
    const registry = await startListing(t, ['tcp@a:1', 'tcp@b:1']);
    const d = new GeeRegistryDiscovery(registry.url, 50);
    assert.deepEqual(await d.getAll(), ['tcp@a:1', 'tcp@b:1']);
    await d.get(SelectMode.RoundRobin);
    await d.get(SelectMode.Random);
    assert.equal(registry.gets(), 1, 'a fresh list is not fetched again');
    await sleep(60);
    await d.get(SelectMode.RoundRobin); // served from the stale list, which is refreshed beside it
    await d.refresh(); // the refresh in flight
    assert.equal(registry.gets(), 2, 'a stale one is');
  });

  test('ten concurrent gets cause one HTTP request', async (t) => {
    const registry = await startListing(t, ['tcp@a:1']);
    const d = new GeeRegistryDiscovery(registry.url);
    const picks = await Promise.all(Array.from({ length: 10 }, () => d.get(SelectMode.Random)));
    assert.deepEqual(new Set(picks), new Set(['tcp@a:1']));
    assert.equal(registry.gets(), 1);
  });

  test('with the registry down, the last good list keeps serving, and a log line says so', async (t) => {
    const registry = await startListing(t, ['tcp@a:1', 'tcp@b:1']);
    const logs: string[] = [];
    // A list counts as fresh for 200 ms, and after a failed fetch the next try waits as long
    // (the lesser of the timeout and a second): long enough for the steps below under load.
    const d = new GeeRegistryDiscovery(registry.url, 200, { log: (m) => logs.push(m) });
    assert.deepEqual(await d.getAll(), ['tcp@a:1', 'tcp@b:1']);
    await registry.stop();
    await sleep(210);
    assert.deepEqual(await d.getAll(), ['tcp@a:1', 'tcp@b:1']);
    await d.refresh();
    assert.equal(logs.length, 1);
    assert.match(
      logs[0] as string,
      /GET .* failed: .*ECONNREFUSED.*still serving the last good list \(2 servers\)/,
    );
    // A down registry is not asked by every call: the next try waits.
    await d.getAll();
    await d.refresh();
    assert.equal(logs.length, 1);
  });

  test('a registry that restarts empty does not empty the list: the last good one serves until it lists someone', async (t) => {
    const registry = await startListing(t, ['tcp@a:1']);
    const logs: string[] = [];
    const d = new GeeRegistryDiscovery(registry.url, 20, { log: (m) => logs.push(m) });
    assert.deepEqual(await d.getAll(), ['tcp@a:1']);
    const res = await fetch(registry.url, {
      method: 'DELETE',
      headers: { 'X-Geerpc-Server': 'tcp@a:1' },
    });
    await res.body?.cancel(); // the registry now lists nobody, as one just restarted does
    await sleep(30);
    assert.deepEqual(await d.getAll(), ['tcp@a:1']);
    await d.refresh();
    assert.match(
      logs[0] as string,
      /lists no server \(restarted\?\); still serving the last good list \(1 server\)/,
    );
  });

  test('with a list in hand, a registry that hangs costs the calls nothing; the fetch gives up after requestTimeout', async (t) => {
    let hang = false;
    const fake = http.createServer((_req, res) => {
      if (!hang) res.writeHead(200, { 'X-Geerpc-Servers': 'tcp@a:1' }).end();
      // else: never answers
    });
    fake.listen(0, '127.0.0.1');
    await once(fake, 'listening');
    t.after(() => {
      fake.closeAllConnections();
      return new Promise<void>((resolve) => fake.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(fake.address() as net.AddressInfo).port}/`;
    const d = new GeeRegistryDiscovery(url, 20, { requestTimeout: 100, log: () => {} });
    assert.deepEqual(await d.getAll(), ['tcp@a:1']);
    hang = true;
    await sleep(30);
    assert.equal(await withinASecond(d.get(SelectMode.Random)), 'tcp@a:1'); // the old list, at once
    await sleep(30);
    const started = performance.now();
    for (let i = 0; i < 10; i++) assert.equal(await d.get(SelectMode.Random), 'tcp@a:1');
    assert.ok(performance.now() - started < 50, 'the next calls did not wait for the registry');
    await d.refresh(); // let the hung one time out before the test ends
  });

  test('with a list in hand, a slow registry stalls no call: the stale list is fetched beside them', async (t) => {
    let servers = 'tcp@a:1';
    let delay = 0;
    const slow = http.createServer((_req, res) => {
      const answer = servers;
      setTimeout(() => res.writeHead(200, { 'X-Geerpc-Servers': answer }).end(), delay);
    });
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    t.after(() => new Promise<void>((resolve) => slow.close(() => resolve())));
    const url = `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}/`;
    const d = new GeeRegistryDiscovery(url, 20, { requestTimeout: 2000, log: () => {} });
    assert.deepEqual(await d.getAll(), ['tcp@a:1']); // no list yet: this one waits
    [servers, delay] = ['tcp@b:1', 300];
    await sleep(30); // stale
    const started = performance.now();
    assert.equal(await d.get(SelectMode.Random), 'tcp@a:1'); // the list in hand, at once
    assert.ok(performance.now() - started < 100, 'the call waited for the slow registry');
    await d.refresh(); // the fetch it started, 300 ms later
    assert.equal(await d.get(SelectMode.Random), 'tcp@b:1');
  });

  test('a registry that never answers costs a call requestTimeout, not forever', async (t) => {
    const silent = net.createServer((conn) => conn.resume());
    const conns: net.Socket[] = [];
    silent.on('connection', (conn) => conns.push(conn));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => {
      for (const conn of conns) conn.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/`;
    const logs: string[] = [];
    const d = new GeeRegistryDiscovery(url, 1000, { requestTimeout: 30, log: (m) => logs.push(m) });
    await assert.rejects(withinASecond(d.get(SelectMode.Random)), /no available servers/);
    assert.match(logs[0] as string, /timeout.*\(0 servers\)/i);
  });
});

/** `work`, or a failure if it is still running a second later (a fetch with no time limit). */
function withinASecond<T>(work: Promise<T>): Promise<T> {
  const stuck = sleep(1000, undefined, { ref: false }).then(() => {
    throw new Error('still waiting a second later');
  });
  return Promise.race([work, stuck]);
}

interface RunningServer {
  addr: string;
  stop: () => Promise<void>;
}

/** A GeeRPC server that says which it is, and keeps itself listed with a heartbeat. */
async function startListed(
  t: TestContext,
  registryUrl: string,
  name: string,
): Promise<RunningServer> {
  class Who {
    whoami(): string {
      return name;
    }
  }
  const server = new Server({ log: () => {} });
  server.register(new Who());
  const listener = net.createServer();
  server.accept(listener);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const addr = advertisedAddr(listener);
  const beat = heartbeat(registryUrl, addr, 20, { requestTimeout: 1000, log: () => {} });
  const stop = async () => {
    await beat.stop();
    await server.close();
  };
  t.after(stop);
  return { addr, stop };
}

describe(`${DAY}: end to end`, () => {
  test('registry, two servers and an XClient: one server stops, the calls keep succeeding', async (t) => {
    const registry = await startRegistry(t);
    const one = await startListed(t, registry.url, 'one');
    const two = await startListed(t, registry.url, 'two');
    const d = new GeeRegistryDiscovery(registry.url, 20);
    const xc = new XClient(d, SelectMode.RoundRobin);
    t.after(() => xc.close());
    const listed = () => d.getAll().catch(() => []); // no server yet is an error, not []
    for (let i = 0; i < 200 && (await listed()).length < 2; i++) await sleep(5);
    assert.deepEqual(await d.getAll(), [one.addr, two.addr].sort());

    const answered = new Set<string>();
    for (let i = 0; i < 4; i++) answered.add(await xc.call<string>('Who.whoami', null));
    assert.deepEqual(answered, new Set(['one', 'two']));

    await two.stop(); // leaves the registry, then closes
    await sleep(30); // the client's list is now stale
    await d.refresh(); // calls would not wait for it: they go on with the list in hand
    for (let i = 0; i < 10; i++) assert.equal(await xc.call('Who.whoami', null), 'one');
  });
});
