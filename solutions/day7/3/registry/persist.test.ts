/**
 * Exercise 7.3's "done when": a registry that keeps its list in a file. A restarted
 * registry lists at once the servers heard from within its timeout, by their last beat,
 * not their first.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DAY } from '../test-helpers.ts';
import { GeeRegistry, type GeeRegistryOptions, registryRequest } from './registry.ts';

/** A registry on a free loopback port, closed when the test ends, and its URL. */
async function startRegistry(t: TestContext, timeout: number, options: GeeRegistryOptions) {
  const httpServer = http.createServer();
  const registry = new GeeRegistry(timeout, options);
  registry.handleHTTP(httpServer);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  t.after(async () => {
    httpServer.closeAllConnections();
    await new Promise((resolve) => httpServer.close(resolve));
    await registry.flushed(); // before the file's folder goes
  });
  const { port } = httpServer.address() as AddressInfo;
  return { registry, url: `http://127.0.0.1:${port}/_geerpc_/registry` };
}

const beat = (url: string, rpcAddr: string) =>
  registryRequest(url, 'POST', { rpcAddr, timeout: 1_000 });
const listed = async (url: string) =>
  (await registryRequest(url, 'GET', { timeout: 1_000 })).get('X-Geerpc-Servers');

function tempFile(t: TestContext): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), 'geerpc-registry-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return { dir, file: join(dir, 'registry.json') };
}

const A = 'tcp@127.0.0.1:1001';
const B = 'tcp@127.0.0.1:1002';

describe(`${DAY}: exercise 3, a registry that survives a restart`, () => {
  test('a restart with a 300 ms timeout lists A, beating every 120 ms for 480 ms, and not B, heard once at the start', async (t) => {
    const { dir, file } = tempFile(t);
    const first = (await startRegistry(t, 10_000, { file })).url;
    await beat(first, B);
    for (let i = 0; i < 5; i++) {
      if (i > 0) await sleep(120);
      await beat(first, A);
    }
    const restarted = await startRegistry(t, 300, { file });
    assert.equal(await listed(restarted.url), A);
    await restarted.registry.flushed(); // its first request expired B: a change, written
    assert.deepEqual(readdirSync(dir), ['registry.json']); // no temp file left behind
  });

  test('starts empty on a file that is not there, and on one that is not JSON, saying so', async (t) => {
    const { file } = tempFile(t);
    const logs: string[] = [];
    const log = (message: string) => logs.push(message);
    assert.equal(await listed((await startRegistry(t, 10_000, { file, log })).url), '');
    assert.deepEqual(logs, []);
    writeFileSync(file, '{"tcp@127.0.0.1:1001": 17');
    assert.equal(await listed((await startRegistry(t, 10_000, { file, log })).url), '');
    assert.match(logs.join(), /cannot read .*registry\.json/);
  });

  test('a file of junk lists only real addresses with times', async (t) => {
    const { file } = tempFile(t);
    const now = Date.now();
    writeFileSync(file, JSON.stringify({ [A]: now, [B]: 'yesterday', 'not an addr': now }));
    assert.equal(await listed((await startRegistry(t, 10_000, { file })).url), A);
  });
});
