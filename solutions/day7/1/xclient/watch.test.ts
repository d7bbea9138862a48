/**
 * Exercise 7.1's "done when": push instead of poll. The discovery keeps a GET open at
 * the registry, which answers it as soon as the list changes: a server that leaves, or
 * expires, is gone from getAll() at once, though the discovery's timeout is 10 s.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { GeeRegistry, heartbeat, registryRequest } from '../registry/registry.ts';
import { DAY } from '../test-helpers.ts';
import { GeeRegistryDiscovery } from './discovery-gee.ts';

async function startRegistry(t: TestContext, timeout: number): Promise<string> {
  const httpServer = http.createServer();
  new GeeRegistry(timeout).handleHTTP(httpServer);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  t.after(() => {
    httpServer.closeAllConnections();
    return new Promise((resolve) => httpServer.close(resolve));
  });
  return `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/_geerpc_/registry`;
}

function watching(t: TestContext, url: string): GeeRegistryDiscovery {
  const discovery = new GeeRegistryDiscovery(url, 10_000, { watch: true, log: () => {} });
  t.after(() => discovery.close());
  return discovery;
}

// Asks getAll() until `addr` is gone from it, for up to a second; when it was gone.
async function goneAt(discovery: GeeRegistryDiscovery, addr: string): Promise<number> {
  const start = performance.now();
  while ((await discovery.getAll()).includes(addr)) {
    if (performance.now() - start > 1_000) return Number.POSITIVE_INFINITY;
    await sleep(2);
  }
  return performance.now();
}

const A = 'tcp@127.0.0.1:1001';
const B = 'tcp@127.0.0.1:1002';

describe(`${DAY}: exercise 1, push instead of poll`, () => {
  test('getAll() drops a server within 50 ms of its heartbeat.stop() resolving (discovery timeout 10 s)', async (t) => {
    const url = await startRegistry(t, 60_000);
    const quiet = { log: () => {} };
    const beats = [heartbeat(url, A, 10_000, quiet), heartbeat(url, B, 10_000, quiet)];
    t.after(() => Promise.all(beats.map((beat) => beat.stop())));
    const discovery = watching(t, url);
    while ((await discovery.getAll().catch(() => [])).length < 2) await sleep(5);
    await sleep(20); // the discovery's GET is now held at the registry
    await beats[1]?.stop();
    const stopped = performance.now();
    const took = (await goneAt(discovery, B)) - stopped;
    assert.ok(took < 50, `gone after ${took} ms`);
    assert.deepEqual(await discovery.getAll(), [A]);
  });

  test('a held GET sees a server expire, though no other request comes to the registry', async (t) => {
    const url = await startRegistry(t, 300);
    await registryRequest(url, 'POST', { rpcAddr: B, timeout: 1_000 });
    const posted = performance.now();
    await sleep(100);
    await registryRequest(url, 'POST', { rpcAddr: A, timeout: 1_000 }); // expires 100 ms later
    const discovery = watching(t, url);
    assert.deepEqual(await discovery.getAll(), [A, B]);
    const took = (await goneAt(discovery, B)) - posted;
    assert.ok(took < 300 + 50, `gone ${took} ms after its only beat, with a 300 ms timeout`);
    // A expires in turn; the discovery keeps a last server rather than believe an empty list.
  });

  test('GET ?version=N answers at once when the list is no longer at N', async (t) => {
    const url = await startRegistry(t, 60_000);
    const first = await registryRequest(url, 'GET', { timeout: 1_000 });
    await registryRequest(url, 'POST', { rpcAddr: A, timeout: 1_000 });
    const version = first.get('X-Geerpc-Version');
    const next = await registryRequest(`${url}?version=${version}`, 'GET', { timeout: 1_000 });
    assert.equal(next.get('X-Geerpc-Servers'), A);
    assert.notEqual(next.get('X-Geerpc-Version'), version);
  });
});
