/**
 * Exercise 7.2's "done when": the registry pings every server, and drops one that keeps
 * beating but does not answer, until it does.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DAY, startServer } from '../test-helpers.ts';
import { GeeRegistry, heartbeat, registryRequest } from './registry.ts';

const TIMEOUT = 600; // the registry's: a round of pings every 200 ms

class Health {
  failing: boolean;
  constructor(failing: boolean) {
    this.failing = failing;
  }
  ping(): string {
    if (this.failing) throw new Error('unwell');
    return 'pong';
  }
}

async function startRegistry(t: TestContext): Promise<string> {
  const httpServer = http.createServer();
  const registry = new GeeRegistry(TIMEOUT, { healthChecks: true });
  registry.handleHTTP(httpServer);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  t.after(async () => {
    await registry.close();
    httpServer.closeAllConnections();
    await new Promise((resolve) => httpServer.close(resolve));
  });
  return `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/_geerpc_/registry`;
}

// A server with a Health service, beating every 50 ms until the test ends.
async function startBeating(t: TestContext, registryUrl: string, failing: boolean) {
  const { server, port } = await startServer(t);
  const health = new Health(failing);
  server.register(health);
  const addr = `tcp@127.0.0.1:${port}`;
  const beats = heartbeat(registryUrl, addr, 50, { log: () => {} });
  t.after(() => beats.stop());
  return { addr, health };
}

const listed = async (url: string) =>
  ((await registryRequest(url, 'GET', { timeout: 1_000 })).get('X-Geerpc-Servers') ?? '')
    .split(',')
    .filter((addr) => addr !== '');

// Polls the list until `done` holds of it, or `ms` pass; says how long it took.
async function until(url: string, done: (list: string[]) => boolean, ms: number) {
  const start = performance.now();
  while (!done(await listed(url))) {
    if (performance.now() - start > ms) return Number.POSITIVE_INFINITY;
    await sleep(10);
  }
  return performance.now() - start;
}

describe(`${DAY}: exercise 2, health checks from the registry`, () => {
  test('a server that beats but whose Health.ping throws is dropped within one timeout, stays out, and comes back once a ping succeeds', async (t) => {
    const url = await startRegistry(t);
    const unwell = await startBeating(t, url, true);
    const seen = await until(url, (list) => list.includes(unwell.addr), 5 * TIMEOUT);
    assert.ok(seen < 5 * TIMEOUT, 'listed by its first beat');
    const dropped = await until(url, (list) => !list.includes(unwell.addr), TIMEOUT);
    assert.ok(dropped <= TIMEOUT, `dropped after ${dropped} ms`);
    // Another timeout of beats: still out.
    const back = await until(url, (list) => list.includes(unwell.addr), TIMEOUT);
    assert.equal(back, Number.POSITIVE_INFINITY, 'listed again while its ping throws');

    unwell.health.failing = false; // a ping succeeds: its next beat lists it
    const again = await until(url, (list) => list.includes(unwell.addr), 2 * TIMEOUT);
    assert.ok(again < 2 * TIMEOUT, 'back once a ping succeeds');
  });
});
