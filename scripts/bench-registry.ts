/**
 * `npm run bench:registry`: how far each registry goes on this machine, measured, never
 * asserted in tests (issue 24). GeeRegistry in a process of its own: 1,000 discovery
 * clients polling every 10 s and N servers beating, then as many GETs as it can answer.
 * etcd (one member, via LocalEtcd): 5,000 servers with a lease each, 200 watching
 * discoveries: time for all of them to see a change, and the memory both sides hold.
 * `--quick` for a smaller run; the chapter's table comes from the full one.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { EtcdDiscovery } from '../day7-registry/etcd/discovery.ts';
import { hasEtcd, LocalEtcd } from '../day7-registry/etcd/local.ts';
import { etcdClient } from '../day7-registry/etcd/register.ts';
import { GeeRegistry } from '../day7-registry/registry/registry.ts';

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 3 : 10;

if (process.argv.includes('--registry-child')) {
  const server = http.createServer();
  new GeeRegistry(0).handleHTTP(server);
  server.listen(0, '127.0.0.1', () => {
    process.send?.({ port: (server.address() as AddressInfo).port });
  });
  process.on('message', () =>
    process.send?.({ cpu: process.cpuUsage(), rss: process.memoryUsage().rss }),
  );
  process.on('disconnect', () => process.exit(0));
} else {
  await main();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

async function ask(child: ReturnType<typeof fork>): Promise<{ cpu: NodeJS.CpuUsage; rss: number }> {
  child.send('usage');
  const [reply] = (await once(child, 'message')) as [{ cpu: NodeJS.CpuUsage; rss: number }];
  return reply;
}

async function geeRegistry(servers: number): Promise<string[]> {
  const child = fork(new URL(import.meta.url), ['--registry-child'], {
    execArgv: ['--import=tsx'],
  });
  try {
    const [{ port }] = (await once(child, 'message')) as [{ port: number }];
    const url = `http://127.0.0.1:${port}/_geerpc_/registry`;
    const post = (i: number) =>
      fetch(url, {
        method: 'POST',
        headers: { 'X-Geerpc-Server': `tcp@10.${(i >> 8) & 255}.${i & 255}.1:9999` },
      }).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    let listed = 0;
    while (listed < servers && (await post(listed)) === 200) listed++;
    const get = async () => {
      const at = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      return {
        ms: performance.now() - at,
        bytes: res.headers.get('X-Geerpc-Servers')?.length ?? 0,
      };
    };
    // 1,000 clients polling every 10 s (100 GETs a second), and every listed server beating
    // every 4 minutes, for SECONDS: the registry's share of one core, and a GET's latency.
    const before = await ask(child);
    const started = performance.now();
    const latencies: number[] = [];
    const pending: Promise<unknown>[] = [];
    let bytes = 0;
    let requests = 0;
    const beatEvery = Math.max(1, Math.round((100 * 240) / Math.max(listed, 1))); // in ticks
    for (let tick = 0; tick < SECONDS * 100; tick++) {
      requests++;
      pending.push(
        get().then((r) => {
          latencies.push(r.ms);
          bytes = r.bytes;
        }),
      );
      if (tick % beatEvery === 0) {
        requests++;
        pending.push(post(tick % listed));
      }
      await sleep(Math.max(0, started + (tick + 1) * 10 - performance.now()));
    }
    await Promise.all(pending);
    const wall = performance.now() - started;
    const after = await ask(child);
    const cpu = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
    latencies.sort((a, b) => a - b);
    // Its CPU per request, not a closed loop's rate: on a shared machine the load generator
    // is the bottleneck, while CPU time is the registry's own.
    const cpuPerRequest = cpu / requests;
    const perSecond = 1000 / cpuPerRequest;
    return [
      `| GeeRegistry | ${listed} (list ${(bytes / 1024).toFixed(1)} KiB) | 1,000 polling every 10 s | ` +
        `${((cpu / wall) * 100).toFixed(1)}% of a core | p50 ${percentile(latencies, 0.5).toFixed(1)} ms, p99 ${percentile(latencies, 0.99).toFixed(1)} ms | ` +
        `${cpuPerRequest.toFixed(2)} ms a request: ~${Math.round(perSecond).toLocaleString('en')} requests/s, ~${Math.round(perSecond * 10).toLocaleString('en')} clients | RSS ${(after.rss / 1e6).toFixed(0)} MB |`,
    ];
  } finally {
    child.kill();
  }
}

function rssOf(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(status.match(/VmRSS:\s+(\d+)/)?.[1] ?? 0) * 1024;
}

async function etcd(servers: number, watchers: number): Promise<string[]> {
  const etcdServer = new LocalEtcd();
  await etcdServer.start();
  const clients: ReturnType<typeof etcdClient>[] = [];
  const discoveries: EtcdDiscovery[] = [];
  try {
    const rss0 = rssOf(etcdServer.pid);
    const writer = etcdClient(etcdServer.url);
    clients.push(writer);
    const prefix = 'bench/';
    const key = (i: number) => `${prefix}tcp@10.${(i >> 8) & 255}.${i & 255}.1:9999`;
    for (let i = 0; i < servers; i += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, servers - i) }, (_, j) =>
          writer
            .lease(600, { autoKeepAlive: false })
            .put(key(i + j))
            .value(''),
        ),
      );
    }
    const rssServers = rssOf(etcdServer.pid);
    // First etcd's part: how soon a change reaches 200 plain watchers, each on a client
    // (a gRPC connection) of its own, as 200 processes would have.
    for (let i = 0; i < watchers; i++) clients.push(etcdClient(etcdServer.url));
    const plain = await Promise.all(clients.slice(1).map((c) => c.watch().prefix(prefix).create()));
    const delivered: number[] = [];
    let changedAt = 0;
    for (const w of plain) {
      w.on('put', () => delivered.push(performance.now() - changedAt));
      w.on('delete', () => delivered.push(performance.now() - changedAt));
    }
    const delivery: number[] = [];
    for (let i = 0; i < 3; i++) {
      delivered.length = 0;
      changedAt = performance.now();
      await writer.put(key(servers + i)).value('');
      while (delivered.length < watchers) await sleep(1);
      delivery.push(Math.max(...delivered));
      await writer.delete().key(key(servers + i));
      while (delivered.length < 2 * watchers) await sleep(1);
    }
    for (const w of plain) await w.cancel();
    delivery.sort((a, b) => a - b);
    // Then the client's part: 200 discoveries, all in this one process, on those clients.
    global.gc?.();
    const heap0 = process.memoryUsage().heapUsed;
    const readStart = performance.now();
    for (const c of clients.slice(1))
      discoveries.push(new EtcdDiscovery(c, { prefix, log: () => {} }));
    await Promise.all(discoveries.map((d) => d.getAll()));
    const firstRead = performance.now() - readStart;
    global.gc?.();
    const perWatcher = (process.memoryUsage().heapUsed - heap0) / watchers;
    const rssWatched = rssOf(etcdServer.pid);
    let updated = 0;
    for (const d of discoveries) {
      const update = d.update.bind(d);
      d.update = (list) => {
        update(list);
        updated++;
      };
    }
    changedAt = performance.now();
    await writer.put(key(servers + 9)).value('');
    while (updated < watchers) await sleep(1);
    const allUpdated = performance.now() - changedAt;
    return [
      `| etcd (one member) | ${servers.toLocaleString('en')}, a lease each | ${watchers}, each on its own connection | ` +
        `${delivery[0]?.toFixed(0)} to ${delivery.at(-1)?.toFixed(0)} ms (3 changes) | ` +
        `${watchers} discoveries in one process: first read of ${servers.toLocaleString('en')} keys ${(firstRead / watchers).toFixed(0)} ms each, ` +
        `a change applied by all in ${allUpdated.toFixed(0)} ms (${(allUpdated / watchers).toFixed(1)} ms each, one after another: each filters and sorts the whole list again) | ` +
        `etcd RSS ${(rss0 / 1e6).toFixed(0)} MB empty, ${(rssServers / 1e6).toFixed(0)} MB with the servers, ${(rssWatched / 1e6).toFixed(0)} MB watched; ` +
        `each discovery ${(perWatcher / 1e6).toFixed(2)} MB of heap |`,
    ];
  } finally {
    for (const d of discoveries) await d.close();
    for (const c of clients) c.close();
    await etcdServer.remove();
  }
}

async function main(): Promise<void> {
  const load = loadavg()[0] ?? 0;
  console.log(
    `\`npm run bench:registry${quick ? ' -- --quick' : ''}\` on ${availableParallelism()} cores, ` +
      `load average ${load.toFixed(1)} when it started (other processes share the machine)\n`,
  );
  console.log(
    '| registry | servers | clients | its CPU | a GET | how far one core goes | memory |',
  );
  console.log('|---|---|---|---|---|---|---|');
  const only = process.argv.includes('--etcd-only');
  for (const n of only ? [] : quick ? [100, 1000] : [10, 100, 1000]) {
    for (const row of await geeRegistry(n)) console.log(row);
  }
  if (!hasEtcd())
    return console.log('(etcd is not installed: sudo apt-get install -y etcd-server)');
  console.log(
    '\n| registry | servers | watchers | a change reaches them all | the client side | memory |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const row of await etcd(quick ? 1000 : 5000, quick ? 50 : 200)) console.log(row);
}
