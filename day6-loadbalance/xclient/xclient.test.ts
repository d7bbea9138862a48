/**
 * Tests of day 6's XClient against real servers: where calls land, one dial per server,
 * replacing a lost connection, and broadcast's error and abort rules. Added on day 6.
 */
import assert from 'node:assert/strict';
import { getEventListeners, once } from 'node:events';
import net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { whenClosed } from '../codec/frame.ts';
import { RpcError, ShutdownError } from '../errors.ts';
import { Server } from '../server.ts';
import { DAY, type Running, startWho, Who } from '../test-helpers.ts';
import { type Discovery, MultiServersDiscovery, SelectMode } from './discovery.ts';
import { XClient } from './xclient.ts';

function newXClient(t: TestContext, servers: string[], mode: SelectMode): XClient {
  const xc = new XClient(new MultiServersDiscovery(servers, { random: () => 0 }), mode);
  t.after(() => xc.close());
  return xc;
}

describe(`${DAY}: XClient`, () => {
  test('calls land on the servers the discovery picks, one connection each', async (t) => {
    const servers = await Promise.all(['a', 'b', 'c'].map((name) => startWho(t, name)));
    const xc = newXClient(
      t,
      servers.map((s) => s.addr),
      SelectMode.RoundRobin,
    );
    const answered: string[] = [];
    for (let i = 0; i < 6; i++) answered.push(await xc.call<string>('Who.whoami', null));
    assert.deepEqual(answered, ['a', 'b', 'c', 'a', 'b', 'c']);
    assert.deepEqual(
      servers.map((s) => s.conns.length),
      [1, 1, 1],
    );
  });

  test('a key sends every call with it to the same server (ConsistentHash)', async (t) => {
    const servers = await Promise.all(['a', 'b', 'c'].map((name) => startWho(t, name)));
    const xc = newXClient(
      t,
      servers.map((s) => s.addr),
      SelectMode.ConsistentHash,
    );
    const first = await xc.call('Who.whoami', null, { key: 'user-42' });
    for (let i = 0; i < 5; i++) {
      assert.equal(await xc.call('Who.whoami', null, { key: 'user-42' }), first);
    }
  });

  test('twenty concurrent first calls to a server dial it once', async (t) => {
    const one = await startWho(t, 'a');
    const xc = newXClient(t, [one.addr], SelectMode.Random);
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => xc.call('Who.whoami', null)),
    );
    assert.deepEqual(new Set(replies), new Set(['a']));
    assert.equal(one.conns.length, 1);
  });

  test('a server that restarts gets a new connection: the lost one is replaced', async (t) => {
    const first = await startWho(t, 'before');
    const port = Number(first.addr.split(':').at(-1));
    const xc = newXClient(t, [first.addr], SelectMode.Random);
    assert.equal(await xc.call('Who.whoami', null), 'before');

    await first.server.close(); // its connections go with it
    await assert.rejects(xc.call('Who.whoami', null)); // lost, or refused: nobody listens

    const again = new Server({ log: () => {} });
    again.register(new Who('after'));
    const listener = net.createServer();
    again.accept(listener);
    listener.listen(port, '127.0.0.1');
    await once(listener, 'listening');
    t.after(() => again.close());
    assert.equal(await xc.call('Who.whoami', null), 'after');
  });

  test('a dial that fails is not kept: the next call dials again', async (t) => {
    const probe = net.createServer();
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    await new Promise((resolve) => probe.close(resolve)); // a port nobody listens on, for now
    const xc = newXClient(t, [`tcp@127.0.0.1:${port}`], SelectMode.Random);
    await assert.rejects(xc.call('Who.whoami', null), /ECONNREFUSED/);

    const server = new Server({ log: () => {} });
    server.register(new Who('late'));
    const listener = net.createServer();
    server.accept(listener);
    listener.listen(port, '127.0.0.1');
    await once(listener, 'listening');
    t.after(() => server.close());
    assert.equal(await xc.call('Who.whoami', null), 'late');
  });

  test('broadcast calls every server once and resolves with a reply', async (t) => {
    const servers = await Promise.all(['a', 'b', 'c'].map((name) => startWho(t, name)));
    const xc = newXClient(
      t,
      servers.map((s) => s.addr),
      SelectMode.Random,
    );
    const reply = await xc.broadcast<string>('Who.work', 0);
    assert.ok(['a', 'b', 'c'].includes(reply));
    assert.deepEqual(
      servers.map((s) => s.who.calls),
      [['work'], ['work'], ['work']],
    );
  });

  test('broadcast fails with the first error at once, and gives up on the calls still running', async (t) => {
    const slow1 = await startWho(t, 'slow1');
    const bad = await startWho(t, 'bad', true);
    const slow2 = await startWho(t, 'slow2');
    const xc = new XClient(
      new MultiServersDiscovery([slow1.addr, bad.addr, slow2.addr]),
      SelectMode.Random,
    );
    t.after(() => xc.close());
    const started = performance.now();
    await assert.rejects(xc.broadcast('Who.work', 2000), /bad failed/);
    assert.ok(performance.now() - started < 1000, 'did not wait for the slow servers');
    assert.equal(xc.pending, 0, 'the slow calls were given up, not left waiting for replies');
    // The slow servers were never told: GeeRPC's protocol has no cancel message. Their
    // handlers run on until the connection closes (closeTimeout after the client has
    // gone), and then their signals fire.
    assert.deepEqual([...slow1.who.stopped, ...slow2.who.stopped], []);
    await xc.close();
    await waitFor(() => slow1.who.stopped.length + slow2.who.stopped.length === 2);
    assert.deepEqual(slow1.who.stopped, ['rpc server: connection closed']);
  });

  test("broadcast gives up on every call when the caller's signal fires", async (t) => {
    const servers = await Promise.all(['a', 'b'].map((name) => startWho(t, name)));
    const xc = newXClient(
      t,
      servers.map((s) => s.addr),
      SelectMode.Random,
    );
    await assert.rejects(xc.broadcast('Who.work', 2000, { signal: AbortSignal.timeout(30) }), {
      name: 'TimeoutError',
    });
    // Both connections are still good for the next call.
    assert.equal(await xc.broadcast('Who.work', 0).then(() => 'ok'), 'ok');
  });

  test("the caller's signal also ends the wait for a dial that hangs", async (t) => {
    const silent = net.createServer((conn) => conn.resume()); // never answers the option
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const addr = `tcp@127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const xc = new XClient(new MultiServersDiscovery([addr]), SelectMode.Random, {
      connectTimeout: 300,
    });
    t.after(() => xc.close());
    const started = performance.now();
    await assert.rejects(xc.call('Who.whoami', null, { signal: AbortSignal.timeout(30) }), {
      name: 'TimeoutError',
      message: /aborted due to timeout/,
    });
    assert.ok(performance.now() - started < 250, 'gave up at the signal, not at connectTimeout');
  });

  test('close() ends a dial that hangs: it settles at once, and so do the calls waiting', async (t) => {
    const silent = net.createServer((conn) => conn.resume()); // never answers the option
    const accepted: net.Socket[] = [];
    silent.on('connection', (conn) => accepted.push(conn));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const addr = `tcp@127.0.0.1:${(silent.address() as net.AddressInfo).port}`;
    const xc = new XClient(new MultiServersDiscovery([addr]), SelectMode.Random, {
      connectTimeout: 0, // no limit: only close() can end this dial
    });
    const call = xc.call('Who.whoami', null);
    await once(silent, 'connection');
    await xc.close();
    await assert.rejects(call, ShutdownError);
    await whenClosed(accepted[0] as net.Socket); // the socket was destroyed
  });

  test('the clients of servers dropped from the list are closed when a new one is dialled (closeUnlisted)', async (t) => {
    const servers = await Promise.all(['a', 'b', 'c'].map((name) => startWho(t, name)));
    const [a, b, c] = servers as [Running, Running, Running];
    const d = new MultiServersDiscovery([a.addr]);
    const xc = new XClient(d, SelectMode.Random);
    t.after(() => xc.close());
    await xc.call('Who.whoami', null);
    d.update([b.addr]);
    await xc.call('Who.whoami', null);
    await closedSoon(a.conns[0] as net.Socket); // a is no longer listed: its client went
    d.update([c.addr]);
    assert.equal(await xc.call('Who.whoami', null), 'c');
    await closedSoon(b.conns[0] as net.Socket);
    assert.equal(c.conns[0]?.destroyed, false);
  });

  test("a broadcast leaves no listener on the caller's signal", async (t) => {
    const servers = await Promise.all(['a', 'b'].map((name) => startWho(t, name)));
    const xc = newXClient(
      t,
      servers.map((s) => s.addr),
      SelectMode.Random,
    );
    const shutdown = new AbortController(); // lives as long as the process, say
    for (let i = 0; i < 20; i++)
      await xc.broadcast('Who.whoami', null, { signal: shutdown.signal });
    await assert.rejects(xc.broadcast('Who.nope', null, { signal: shutdown.signal }));
    assert.equal(getEventListeners(shutdown.signal, 'abort').length, 0);
  });

  test('with no servers, call and broadcast fail clearly; so does an unknown mode', async (t) => {
    const xc = newXClient(t, [], SelectMode.Random);
    await assert.rejects(xc.call('Who.whoami', null), /no available servers/);
    await assert.rejects(xc.broadcast('Who.whoami', null), /no available servers/);
    const none: Discovery = {
      refresh: async () => {},
      update: () => {},
      get: async () => 'tcp@127.0.0.1:1',
      getAll: async () => [], // a Discovery of your own may answer [] instead of throwing
    };
    await assert.rejects(new XClient(none, 'Random').broadcast('Who.whoami', null), (err) => {
      return err instanceof RpcError && /no servers to broadcast to/.test(err.message);
    });
    assert.throws(() => new XClient(none, 'roundrobin' as SelectMode), /unknown select mode/);
  });

  test('close() closes every connection; a later call fails with ShutdownError', async (t) => {
    const servers = await Promise.all(['a', 'b'].map((name) => startWho(t, name)));
    const xc = newXClient(
      t,
      servers.map((s) => s.addr),
      SelectMode.RoundRobin,
    );
    await xc.broadcast('Who.whoami', null);
    await xc.close();
    // Each server sees its connection close: the client side was destroyed.
    await Promise.all(servers.flatMap((s) => s.conns.map(whenClosed)));
    await assert.rejects(xc.call('Who.whoami', null), ShutdownError);
    await xc.close(); // twice is fine
  });
});

/** Resolves when `conn` closes; fails the test if it is still open a second later. */
async function closedSoon(conn: net.Socket): Promise<void> {
  const done = new AbortController();
  const late = sleep(1000, undefined, { signal: done.signal }).then(() =>
    assert.fail('the connection is still open a second later'),
  );
  late.catch(() => {}); // rejects with an AbortError once the connection has closed
  try {
    await Promise.race([whenClosed(conn), late]);
  } finally {
    done.abort();
  }
}

/** Polls `ready` every 5 ms, for at most a second. */
async function waitFor(ready: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ready(); i++) await sleep(5);
  assert.ok(ready(), 'the condition never held');
}
