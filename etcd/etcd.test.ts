/**
 * `npm run test:etcd`: day 7's etcd registration and discovery against a real etcd
 * (Debian's etcd-server), started here on loopback in a temp dir. Not part of
 * `npm test`, which needs no etcd; CI installs etcd and runs this.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import { EtcdDiscovery } from '../day7-registry/etcd/discovery.ts';
import { LocalEtcd } from '../day7-registry/etcd/local.ts';
import { etcdClient, registerEtcd } from '../day7-registry/etcd/register.ts';
import { advertisedAddr } from '../day7-registry/registry/registry.ts';
import { Server } from '../day7-registry/server.ts';
import { Who } from '../day7-registry/test-helpers.ts';
import { SelectMode } from '../day7-registry/xclient/discovery.ts';
import { XClient } from '../day7-registry/xclient/xclient.ts';

const etcd = new LocalEtcd();
before(() => etcd.start());
after(() => etcd.remove());

// What one test opens, closed when it ends: first what was registered (`cleanup`, in
// reverse), then the etcd clients they used.
function scope(t: TestContext) {
  const clients: Etcd3[] = [];
  const cleanups: (() => Promise<void>)[] = [];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    for (const c of clients) c.close();
  });
  return {
    client(): Etcd3 {
      const c = etcdClient(etcd.url);
      clients.push(c);
      return c;
    },
    cleanup(fn: () => Promise<void>): void {
      cleanups.push(fn);
    },
  };
}

/** Polls until `ready` holds, for at most `ms`. */
async function waitFor(ready: () => Promise<boolean>, ms: number): Promise<number> {
  const started = performance.now();
  while (!(await ready())) {
    if (performance.now() - started > ms) assert.fail(`not within ${ms} ms`);
    await sleep(10);
  }
  return performance.now() - started;
}

describe('etcd: registration and discovery', () => {
  // First, and with short leases: the etcd3 client can leave a keep-alive timer of one
  // ttl running after an outage (two reconnects race, one timer is never cleared), and
  // the tests after this one outlast it.
  test('etcd stopped and restarted: discovery keeps the last list, then catches up', {
    timeout: 30_000,
  }, async (t) => {
    const my = scope(t);
    const prefix = 'test3/';
    const logs: string[] = [];
    const reg = registerEtcd(my.client(), 'tcp@10.0.0.3:1', { prefix, ttl: 2, log: () => {} });
    my.cleanup(() => reg.stop());
    const d = new EtcdDiscovery(my.client(), {
      prefix,
      log: (m) => logs.push(m),
      staleReminder: 100,
    });
    my.cleanup(() => d.close());
    await waitFor(async () => (await d.getAll().catch((): string[] => [])).length === 1, 2000);
    assert.equal(d.staleFor(), 0);

    await etcd.stop();
    const reminders = () => logs.filter((m) => /gone unconfirmed for \d/.test(m)).length;
    await waitFor(async () => reminders() >= 2, 3000); // it keeps saying so, every 100 ms
    assert.ok(d.staleFor() >= 150, `unconfirmed for ${d.staleFor().toFixed(0)} ms`);
    assert.deepEqual(
      await d.getAll(),
      ['tcp@10.0.0.3:1'],
      'the last list serves while etcd is down',
    );
    assert.match(logs[0] ?? '', /watch lost: .*; still serving the last good list/);

    await etcd.start();
    const late = registerEtcd(my.client(), 'tcp@10.0.0.4:1', { prefix, ttl: 2, log: () => {} });
    my.cleanup(() => late.stop());
    await waitFor(async () => (await d.getAll()).length === 2, 5_000);
    assert.deepEqual(await d.getAll(), ['tcp@10.0.0.3:1', 'tcp@10.0.0.4:1']);
    await waitFor(async () => d.staleFor() === 0, 2000);
    assert.ok(
      logs.some((m) => /list confirmed again after/.test(m)),
      logs.join(' | '),
    );
  });

  test('etcd back with no data (a member replaced): discovery reads the list afresh, not a replay', {
    timeout: 30_000,
  }, async (t) => {
    const fresh = new LocalEtcd();
    await fresh.start();
    const c = etcdClient(fresh.url);
    const d = new EtcdDiscovery(c, { prefix: 'wiped/', log: () => {} });
    t.after(async () => {
      await d.close();
      c.close();
      await fresh.remove();
    });
    for (let i = 0; i < 5; i++) await c.put(`wiped/tcp@10.0.3.${i}:1`).value(''); // revisions 2-6
    await waitFor(async () => (await d.getAll().catch(() => [])).length === 5, 2000);
    // Back empty at revision 1: a watch resumed from revision 7 would wait for writes that
    // this etcd will never number so, and the five gone servers would stay listed.
    let at = performance.now();
    await fresh.wipe();
    t.diagnostic(`etcd wiped and back in ${(performance.now() - at).toFixed(0)} ms`);
    at = performance.now();
    await c.put('wiped/tcp@10.0.3.9:1').value('');
    const only9 = async () => (await d.getAll().catch(() => [])).join() === 'tcp@10.0.3.9:1';
    await waitFor(only9, 5000);
    t.diagnostic(`the new list in ${(performance.now() - at).toFixed(0)} ms`);
  });

  test('a registered server appears in discovery; stop() removes it within a second', async (t) => {
    const my = scope(t);
    const prefix = 'test1/';
    const reg = registerEtcd(my.client(), 'tcp@10.0.0.1:1', { prefix, ttl: 5 });
    const d = new EtcdDiscovery(my.client(), { prefix, log: () => {} });
    my.cleanup(() => d.close());
    const has = async () => (await d.getAll().catch((): string[] => [])).includes('tcp@10.0.0.1:1');
    await waitFor(has, 2000);
    await reg.stop();
    const took = await waitFor(async () => !(await has()), 1000);
    t.diagnostic(`unlisted ${took.toFixed(0)} ms after stop()`);
  });

  test("a server whose keep-alives stop (its process died) disappears after its lease's TTL", async (t) => {
    const my = scope(t);
    const prefix = 'test2/';
    const doomed = spawn(
      process.execPath,
      [
        '--import=tsx',
        new URL('./register-process.ts', import.meta.url).pathname,
        etcd.url,
        prefix,
        'tcp@10.0.0.2:1',
        '2',
      ],
      { stdio: 'ignore' },
    );
    t.after(() => doomed.kill('SIGKILL'));
    const d = new EtcdDiscovery(my.client(), { prefix, log: () => {} });
    my.cleanup(() => d.close());
    const has = async () => (await d.getAll().catch((): string[] => [])).includes('tcp@10.0.0.2:1');
    await waitFor(has, 10_000);
    doomed.kill('SIGKILL'); // no revoke, no goodbye: its keep-alives just stop
    await once(doomed, 'exit');
    const took = await waitFor(async () => !(await has()), 6000);
    t.diagnostic(`gone ${took.toFixed(0)} ms after its keep-alives stopped (ttl 2 s)`);
  });

  test('an XClient over EtcdDiscovery keeps its calls succeeding when one of two servers stops', async (t) => {
    const my = scope(t);
    const prefix = 'test4/';
    const servers = await Promise.all(
      ['one', 'two'].map(async (name) => {
        const server = new Server({ log: () => {} });
        server.register(new Who(name));
        const listener = net.createServer();
        server.accept(listener);
        listener.listen(0, '127.0.0.1');
        await once(listener, 'listening');
        const reg = registerEtcd(my.client(), advertisedAddr(listener), { prefix, ttl: 5 });
        my.cleanup(() => server.close());
        my.cleanup(() => reg.stop());
        return { server, reg };
      }),
    );
    const d = new EtcdDiscovery(my.client(), { prefix, log: () => {} });
    const xc = new XClient(d, SelectMode.RoundRobin);
    my.cleanup(async () => {
      await xc.close();
      await d.close();
    });
    await waitFor(async () => (await d.getAll().catch((): string[] => [])).length === 2, 2000);
    const answered = new Set<string>();
    for (let i = 0; i < 4; i++) answered.add(await xc.call<string>('Who.whoami', null));
    assert.deepEqual(answered, new Set(['one', 'two']));

    const [, two] = servers as [unknown, (typeof servers)[number]];
    await two.reg.stop(); // leaves etcd (the watch tells the client at once), then closes
    await sleep(100);
    await two.server.close();
    for (let i = 0; i < 10; i++) assert.equal(await xc.call('Who.whoami', null), 'one');
  });

  test('keys under the prefix that are not rpcAddrs are ignored, at start and when watched', async (t) => {
    const c = etcdClient(etcd.url);
    const prefix = 'junk/';
    await c.put(`${prefix}tcp@10.0.0.1:1`).value('');
    await c.put(`${prefix}not-an-address`).value('');
    const logs: string[] = [];
    const d = new EtcdDiscovery(c, { prefix, log: (m) => logs.push(m) });
    t.after(async () => {
      await d.close();
      c.close();
    });
    assert.deepEqual(await d.getAll(), ['tcp@10.0.0.1:1']);
    await c.put(`${prefix}tcp@a,b`).value(''); // a comma: not an rpcAddr either
    await c.put(`${prefix}tcp@10.0.0.2:1`).value('');
    for (let i = 0; i < 100 && (await d.getAll()).length < 2; i++) await sleep(10);
    assert.deepEqual(await d.getAll(), ['tcp@10.0.0.1:1', 'tcp@10.0.0.2:1']);
    assert.deepEqual(logs, []);
  });

  test('big values under the prefix stop neither the first read nor the watch (keys only)', async (t) => {
    const c = etcdClient(etcd.url);
    const prefix = 'big/';
    const big = 'x'.repeat(100_000);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => c.put(`${prefix}tcp@10.0.1.${i}:1`).value(big)),
    );
    const d = new EtcdDiscovery(c, { prefix, log: () => {} });
    t.after(async () => {
      await d.close();
      c.close();
    });
    assert.equal((await d.getAll()).length, 50);
    await Promise.all(
      Array.from({ length: 60 }, (_, i) => c.put(`${prefix}tcp@10.0.2.${i}:1`).value(big)),
    );
    for (let i = 0; i < 200 && (await d.getAll()).length < 110; i++) await sleep(10);
    assert.equal((await d.getAll()).length, 110);
  });
});
