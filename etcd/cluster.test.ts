/**
 * `npm run test:etcd`, part two: discovery on a three-member etcd cluster that loses its
 * leader, then its quorum. What a cluster is for: calls go on, leases survive, servers
 * that join are seen, and an outage it cannot hide is said, not hidden. Issue 24.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Etcd3 } from 'etcd3';
import { EtcdDiscovery } from '../day7-registry/etcd/discovery.ts';
import { LocalEtcdCluster } from '../day7-registry/etcd/local.ts';
import { etcdClient, registerEtcd } from '../day7-registry/etcd/register.ts';
import { advertisedAddr } from '../day7-registry/registry/registry.ts';
import { Server } from '../day7-registry/server.ts';
import { Who } from '../day7-registry/test-helpers.ts';
import { SelectMode } from '../day7-registry/xclient/discovery.ts';
import { XClient } from '../day7-registry/xclient/xclient.ts';

const cluster = new LocalEtcdCluster(3);
before(() => cluster.start());
after(() => cluster.remove());

/** Polls until `ready` holds, for at most `ms`; resolves to how long it took. */
async function waitFor(ready: () => boolean | Promise<boolean>, ms: number): Promise<number> {
  const started = performance.now();
  while (!(await ready())) {
    if (performance.now() - started > ms) assert.fail(`not within ${ms} ms`);
    await sleep(10);
  }
  return performance.now() - started;
}

/** A GeeRPC server on loopback, registered in the cluster through a client of its own. */
async function startServer(t: TestContext, name: string, prefix: string, logs?: string[]) {
  const server = new Server({ log: () => {} });
  server.register(new Who(name));
  const listener = net.createServer();
  server.accept(listener);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const client = etcdClient(cluster.urls);
  const addr = advertisedAddr(listener);
  const reg = registerEtcd(client, addr, { prefix, ttl: 2, log: (m) => logs?.push(m) });
  t.after(async () => {
    await reg.stop();
    client.close();
    await server.close();
  });
  return addr;
}

/** Calls in a loop, each bounded by its own 1 s signal, until stop(); counts the outcomes. */
function callLoop(xc: XClient) {
  const outcome = { ok: 0, failed: [] as string[], slowest: 0 };
  let running = true;
  const done = (async () => {
    while (running) {
      const at = performance.now();
      try {
        await xc.call('Who.whoami', null, { signal: AbortSignal.timeout(1000) });
        outcome.ok++;
      } catch (err) {
        outcome.failed.push((err as Error).message);
      }
      outcome.slowest = Math.max(outcome.slowest, performance.now() - at);
      await sleep(5);
    }
  })();
  return {
    outcome,
    async stop() {
      running = false;
      await done;
      return outcome;
    },
  };
}

function discoveryOn(t: TestContext, prefix: string, logs: string[]) {
  const client: Etcd3 = etcdClient(cluster.urls);
  const d = new EtcdDiscovery(client, { prefix, log: (m) => logs.push(m), staleReminder: 500 });
  const xc = new XClient(d, SelectMode.RoundRobin);
  t.after(async () => {
    await xc.close();
    await d.close();
    client.close();
  });
  return { d, xc, client };
}

describe('etcd: a three-member cluster', () => {
  test('the leader killed: no call fails, leases survive, a new server is seen, the member back changes nothing', {
    timeout: 60_000,
  }, async (t) => {
    const prefix = 'leader/';
    const two = [await startServer(t, 'one', prefix), await startServer(t, 'two', prefix)];
    const logs: string[] = [];
    const { d, xc } = discoveryOn(t, prefix, logs);
    await waitFor(async () => (await d.getAll().catch(() => [])).length === 2, 5000);
    const deletes: string[] = []; // what etcd reports deleted: a lease that ran out
    const watchClient = etcdClient(cluster.urls);
    const watcher = await watchClient.watch().prefix(prefix).create();
    watcher.on('delete', (kv) => deletes.push(kv.key.toString()));
    t.after(async () => {
      await watcher.cancel();
      watchClient.close();
    });
    const calls = callLoop(xc);

    const leader = await cluster.leader();
    const killed = cluster.members[leader] as (typeof cluster.members)[number];
    await killed.stop(); // SIGKILL: no goodbye
    const killedAt = performance.now();
    const third = await startServer(t, 'three', prefix);
    // Its lease, asked for before the others notice the leader is gone, waits for etcd's
    // request timeout (5 s + two election timeouts) and is then asked for again.
    const seen = await waitFor(async () => (await d.getAll()).includes(third), 10_000);
    t.diagnostic(`a server registered just after the kill was listed ${seen.toFixed(0)} ms later`);
    const fourth = await startServer(t, 'four', prefix); // with a new leader in place
    const soon = await waitFor(async () => (await d.getAll()).includes(fourth), 5000);
    t.diagnostic(`one registered once a new leader was in place: ${soon.toFixed(0)} ms`);
    // Longer than the leases' 2 s ttl: had they been lost, etcd would have deleted them.
    await waitFor(() => performance.now() - killedAt > 3000, 5000);
    await killed.start();
    await waitFor(async () => (await cluster.leader()) >= 0, 5000);
    await sleep(200); // calls go on with the member back
    const { ok, failed, slowest } = await calls.stop();

    assert.deepEqual(failed, [], 'no call failed');
    assert.ok(ok > 0, 'calls were made');
    assert.deepEqual(deletes, [], 'no lease ran out');
    assert.deepEqual(await d.getAll(), [...two, third, fourth].sort());
    t.diagnostic(`${ok} calls, none failed, the slowest ${slowest.toFixed(0)} ms`);
  });

  test('quorum lost: discovery keeps its list and says so, writes fail clearly; quorum back, all resumes', {
    timeout: 60_000,
  }, async (t) => {
    const prefix = 'quorum/';
    const one = await startServer(t, 'one', prefix);
    const logs: string[] = [];
    const { d, xc, client } = discoveryOn(t, prefix, logs);
    await waitFor(async () => (await d.getAll().catch(() => [])).length === 1, 5000);
    const calls = callLoop(xc);

    const [a, b] = cluster.members as [
      (typeof cluster.members)[number],
      (typeof cluster.members)[number],
    ];
    await Promise.all([a.stop(), b.stop()]);
    const lostAt = performance.now();
    // The member left ends the watch once it has had no leader for a while (hasleader).
    const said = await waitFor(() => d.staleFor() > 0, 10_000);
    await waitFor(() => logs.some((m) => /gone unconfirmed for/.test(m)), 5000);
    assert.deepEqual(await d.getAll(), [one], 'the last list serves');
    const write = await client
      .put(`${prefix}probe`)
      .value('')
      .then(
        () => assert.fail('a write without quorum succeeded'),
        (err: Error) => err,
      );
    const failedIn = performance.now() - lostAt - said;
    // The etcd client tries each member and reports the last one's answer: "no leader"
    // from the member left, or a refused connection from a dead one.
    assert.match(write.message, /no leader|ECONNREFUSED|timed out/i, write.message);
    const regLogs: string[] = [];
    const late = await startServer(t, 'late', prefix, regLogs); // its put fails, and is retried
    await waitFor(() => regLogs.some((m) => /cannot register|lease lost/.test(m)), 10_000);
    t.diagnostic(`registering without quorum: ${regLogs[0]}`);

    await Promise.all([a.start(), b.start()]);
    // Listed and confirmed: the fresh read that lists it also confirms the list.
    const back = await waitFor(async () => (await d.getAll()).includes(late), 15_000);
    assert.equal(d.staleFor(), 0, 'the list that shows the late server is confirmed');
    assert.ok(logs.some((m) => /list confirmed again/.test(m)));
    const { failed } = await calls.stop();
    assert.deepEqual(failed, [], 'calls went on over the last list throughout');
    t.diagnostic(
      `stale said ${said.toFixed(0)} ms after quorum was lost; a write failed ${failedIn.toFixed(0)} ms later: ${write.message}; ` +
        `quorum back: the late server listed ${back.toFixed(0)} ms later`,
    );
  });
});
