/**
 * Faults: a server process killed in the middle of traffic, a registry that goes away
 * and comes back, and a fake server that answers with anything at all. The framework
 * must settle every call, move to the servers that are left, and never hang.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { xDial } from '../day7-registry/client.ts';
import { encodings } from '../day7-registry/codec/codec.ts';
import { encodeFrames, FrameReader } from '../day7-registry/codec/frame.ts';
import { RpcError } from '../day7-registry/errors.ts';
import { GeeRegistry } from '../day7-registry/registry/registry.ts';
import { SelectMode } from '../day7-registry/xclient/discovery.ts';
import { GeeRegistryDiscovery } from '../day7-registry/xclient/discovery-gee.ts';
import { XClient } from '../day7-registry/xclient/xclient.ts';
import { seeded, setting, startServerProcess } from './helpers.ts';

/** A registry on `port` (0: a free one) with a short timeout; stop() closes it. */
async function startRegistry(t: TestContext, port = 0) {
  const httpServer = http.createServer();
  new GeeRegistry(300).handleHTTP(httpServer);
  httpServer.listen(port, '127.0.0.1');
  await once(httpServer, 'listening');
  const stop = () => {
    if (!httpServer.listening) return Promise.resolve();
    httpServer.closeAllConnections();
    return new Promise<void>((resolve) => httpServer.close(() => resolve()));
  };
  t.after(stop);
  const actual = (httpServer.address() as net.AddressInfo).port;
  return { port: actual, url: `http://127.0.0.1:${actual}/_geerpc_/registry`, stop };
}

describe('reliability: faults', () => {
  test('a server process killed mid-traffic: every pending call rejects within a second', async (t) => {
    const server = await startServerProcess(t);
    const client = await xDial(`tcp@127.0.0.1:${server.tcp}`);
    t.after(() => client.close());
    const pending = Array.from({ length: 50 }, () => client.call('Foo.sleep', 10_000));
    await sleep(50);
    server.child.kill('SIGKILL');
    const killedAt = performance.now();
    const outcomes = await Promise.allSettled(pending);
    assert.ok(performance.now() - killedAt < 1000, 'all settled within a second');
    assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason.name === 'ShutdownError'));
  });

  test('with a registry: a killed server drops off, and the XClient moves to the other', {
    timeout: 30_000,
  }, async (t) => {
    const registry = await startRegistry(t);
    const one = await startServerProcess(t, registry.url);
    const two = await startServerProcess(t, registry.url);
    const d = new GeeRegistryDiscovery(registry.url, 50, { log: () => {} });
    const xc = new XClient(d, SelectMode.RoundRobin);
    t.after(() => xc.close());
    while ((await d.getAll().catch(() => [])).length < 2) await sleep(20);

    two.child.kill('SIGKILL'); // no DELETE: it must expire (300 ms) and the list refresh (50 ms)
    const killedAt = performance.now();
    let failed = 0;
    let lastFailure = 0;
    while (performance.now() - killedAt < 1500) {
      try {
        assert.equal(await xc.call('Foo.sum', { num1: 1, num2: 2 }), 3);
      } catch {
        failed++;
        lastFailure = performance.now() - killedAt;
      }
      await sleep(5);
    }
    assert.ok(lastFailure < 800, `calls failed until ${lastFailure.toFixed(0)} ms after the kill`);
    assert.deepEqual(await d.getAll(), [`tcp@127.0.0.1:${one.tcp}`]);
    t.diagnostic(
      `${failed} calls failed in the ${lastFailure.toFixed(0)} ms before the server dropped off`,
    );
  });

  test('the registry killed and restarted: calls go on meanwhile, and heartbeats register again', {
    timeout: 30_000,
  }, async (t) => {
    const registry = await startRegistry(t);
    const server = await startServerProcess(t, registry.url);
    const logs: string[] = [];
    const d = new GeeRegistryDiscovery(registry.url, 50, { log: (m) => logs.push(m) });
    const xc = new XClient(d, SelectMode.Random);
    t.after(() => xc.close());
    while ((await d.getAll().catch(() => [])).length < 1) await sleep(20);

    await registry.stop();
    for (let i = 0; i < 20; i++) {
      assert.equal(await xc.call('Foo.sum', { num1: i, num2: 0 }), i);
      await sleep(10);
    }
    assert.ok(logs.some((m) => /still serving the last good list \(1 server\)/.test(m)));

    const again = await startRegistry(t, registry.port);
    const fresh = new GeeRegistryDiscovery(again.url, 0, { log: () => {} });
    for (let i = 0; i < 100 && (await fresh.getAll().catch(() => [])).length === 0; i++)
      await sleep(10);
    assert.deepEqual(await fresh.getAll(), [`tcp@127.0.0.1:${server.tcp}`]);
  });

  test('a slow registry (every GET right, but 4.5 s late) stalls no call: the last list serves while it answers', {
    timeout: 30_000,
  }, async (t) => {
    const [one, two] = await Promise.all([startServerProcess(t), startServerProcess(t)]);
    const both = `tcp@127.0.0.1:${one.tcp},tcp@127.0.0.1:${two.tcp}`;
    let gets = 0;
    let slowAnswers = 0;
    const slow = http.createServer((_req, res) => {
      // The first answer is prompt (a client with no list must wait for one); every later
      // one takes 4.5 s, under the 5 s fetch limit, and lists a second server.
      const list = gets++ === 0 ? `tcp@127.0.0.1:${one.tcp}` : both;
      const answer = () => res.writeHead(200, { 'X-Geerpc-Servers': list }).end();
      if (gets === 1) return answer();
      const timer = setTimeout(() => {
        slowAnswers++;
        answer();
      }, 4500);
      res.on('close', () => clearTimeout(timer));
    });
    slow.listen(0, '127.0.0.1');
    await once(slow, 'listening');
    t.after(() => {
      slow.closeAllConnections();
      return new Promise<void>((resolve) => slow.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(slow.address() as net.AddressInfo).port}/`;
    const d = new GeeRegistryDiscovery(url, 100, { log: () => {} }); // stale after 100 ms
    const xc = new XClient(d, SelectMode.RoundRobin);
    t.after(() => xc.close());
    await xc.call('Foo.sum', { num1: 0, num2: 0 });

    const started = performance.now();
    const latencies: number[] = [];
    while (slowAnswers === 0) {
      if (performance.now() - started > 8000) assert.fail('the slow answer never came');
      const at = performance.now();
      assert.equal(await xc.call('Foo.sum', { num1: 1, num2: 2 }), 3);
      latencies.push(performance.now() - at);
    }
    const took = performance.now() - started;
    latencies.sort((a, b) => a - b);
    const max = latencies.at(-1) ?? 0;
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    // Waiting for the registry would take 4.5 s a call; a loaded machine takes tens of ms.
    assert.ok(max < 1000, `a call took ${max.toFixed(0)} ms: it waited for the registry`);
    for (let i = 0; i < 100 && (await d.getAll()).length < 2; i++) await sleep(10);
    assert.deepEqual(await d.getAll(), both.split(','), 'the slow answer was used');
    t.diagnostic(
      `${latencies.length} calls in the ${took.toFixed(0)} ms the slow GET took (${gets} GETs); ` +
        `p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms; then the new list was in use`,
    );
  });

  test('a server that stops reading: calls end by their signals, and the client holds at most about a megabyte', async (t) => {
    const conns: net.Socket[] = [];
    const deaf = net.createServer((conn) => {
      conns.push(conn);
      const reader = new FrameReader(conn);
      void reader.read().then(() => {
        conn.write(encodeFrames(Buffer.from('{"error":""}')));
        conn.pause(); // and never reads again: its socket buffers fill, then ours
      });
    });
    deaf.listen(0, '127.0.0.1');
    await once(deaf, 'listening');
    t.after(() => {
      for (const conn of conns) conn.destroy();
      return new Promise<void>((resolve) => deaf.close(() => resolve()));
    });
    const client = await xDial(`tcp@127.0.0.1:${(deaf.address() as net.AddressInfo).port}`);
    t.after(() => client.close());
    const big = 'x'.repeat(256 * 1024);
    const before = process.memoryUsage().arrayBuffers;
    const calls = Array.from({ length: 200 }, () =>
      client.call('Foo.echo', big, { signal: AbortSignal.timeout(200) }),
    );
    const outcomes = await Promise.allSettled(calls);
    assert.ok(outcomes.every((o) => o.status === 'rejected' && o.reason.name === 'TimeoutError'));
    const held = process.memoryUsage().arrayBuffers - before;
    // 200 calls of 256 KiB would be 50 MiB; backpressure stops the sending at 1 MiB unsent,
    // plus what the kernel's buffers took.
    assert.ok(held < 16 * 1024 * 1024, `the client holds ${(held / 1e6).toFixed(1)} MB`);
  });

  test('a CONNECT that never gets its answer: the dial times out', async (t) => {
    const silent = net.createServer((conn) => conn.resume());
    const conns: net.Socket[] = [];
    silent.on('connection', (conn) => conns.push(conn));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => {
      for (const conn of conns) conn.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const addr = `http@127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    await assert.rejects(xDial(addr, { connectTimeout: 100 }), { name: 'TimeoutError' });
  });

  test('a fake server that answers anything: every call settles, as a reply or an RpcError', {
    timeout: 60_000,
  }, async (t) => {
    const random = seeded(setting('FUZZ_SEED', 20261125));
    const int = (n: number) => Math.floor(random() * n);
    const json = encodings['application/json'];
    const fake = net.createServer((conn) => {
      conn.on('error', () => {});
      const reader = new FrameReader(conn);
      void reader.read().then(
        async () => {
          conn.write(encodeFrames(Buffer.from('{"error":""}')));
          const frames: Buffer[] = [];
          for (let i = 0; i < 1 + int(8); i++) {
            const seq = 1 + int(6);
            const choice = int(5);
            if (choice === 0)
              frames.push(Buffer.from(Array.from({ length: int(40) }, () => int(256))));
            else if (choice === 1)
              frames.push(
                encodeFrames(
                  Buffer.from(
                    json.encode({ serviceMethod: 'Foo.sum', seq, error: int(2) ? '' : 'boom' }),
                  ),
                  Buffer.from(json.encode(seq)),
                ),
              );
            else if (choice === 2)
              frames.push(encodeFrames(Buffer.from(json.encode({ seq })), Buffer.from('{')));
            else if (choice === 3)
              frames.push(
                encodeFrames(
                  Buffer.from(json.encode({ serviceMethod: 'x', seq, error: '' })),
                  Buffer.from('[[[['),
                ),
              );
            else frames.push(Buffer.from([0xff, 0xff, 0xff, 0xff]));
          }
          conn.write(Buffer.concat(frames));
          if (int(2) === 0) conn.end();
          else setTimeout(() => conn.destroy(), int(30));
        },
        () => conn.destroy(),
      );
    });
    fake.listen(0, '127.0.0.1');
    await once(fake, 'listening');
    t.after(() => new Promise<void>((resolve) => fake.close(() => resolve())));
    const addr = `tcp@127.0.0.1:${(fake.address() as net.AddressInfo).port}`;
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    t.after(() => process.off('unhandledRejection', onUnhandled));

    let replies = 0;
    let errors = 0;
    let dialErrors = 0;
    for (let round = 0; round < 300; round++) {
      // The junk may arrive with the option reply, and fail the dial itself: that is a
      // settled outcome too, as long as it is an RpcError.
      const client = await xDial(addr).catch((err) => {
        assert.ok(err instanceof RpcError, String(err));
        dialErrors++;
      });
      if (client === undefined) continue;
      const calls = Array.from({ length: 6 }, (_, i) => client.call('Foo.sum', i));
      const guard = new AbortController(); // so that the guard's timer goes with the round
      const outcomes = await Promise.race([
        Promise.allSettled(calls),
        sleep(2000, undefined, { signal: guard.signal }).then(() =>
          assert.fail(`round ${round}: a call did not settle`),
        ),
      ]).finally(() => guard.abort());
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') replies++;
        else {
          assert.ok(outcome.reason instanceof RpcError, String(outcome.reason));
          errors++;
        }
      }
      await client.close();
    }
    assert.deepEqual(unhandled, []);
    assert.ok(replies + errors > 0, 'some dials succeeded');
    t.diagnostic(
      `300 dials to a fake server (${dialErrors} refused): ${replies} replies, ${errors} RpcErrors`,
    );
  });
});
