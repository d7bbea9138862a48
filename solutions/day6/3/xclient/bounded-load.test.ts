/**
 * Exercise 6.3's "done when": consistent hashing with bounded loads. A hot key's calls
 * fill its own server up to maxLoad × the average, then spill to the next servers on
 * the ring.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { DAY, startServer } from '../test-helpers.ts';
import { MultiServersDiscovery, SelectMode } from './discovery.ts';
import { XClient } from './xclient.ts';

// Holds every call until the test releases them, so that all are in flight at once.
class Slow {
  readonly name: string;
  inFlight = 0;
  readonly #gate: Promise<void>;
  readonly #arrived: () => void;
  constructor(name: string, gate: Promise<void>, arrived: () => void) {
    this.name = name;
    this.#gate = gate;
    this.#arrived = arrived;
  }
  async work(): Promise<string> {
    this.inFlight++;
    this.#arrived();
    await this.#gate;
    return this.name;
  }
}

async function startSlow(t: TestContext, name: string, gate: Promise<void>, arrived: () => void) {
  const { server, port } = await startServer(t);
  const slow = new Slow(name, gate, arrived);
  server.register(slow);
  return { addr: `tcp@127.0.0.1:${port}`, slow };
}

describe(`${DAY}: exercise 3, bounded loads`, () => {
  test('30 concurrent calls for one key, maxLoad 1.25: no server over 13, the key’s own at least 12', async (t) => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    t.after(() => release()); // even when an assertion fails first
    let arrived = 0;
    let allArrived!: () => void;
    const all = new Promise<void>((resolve) => {
      allArrived = resolve;
    });
    const onArrival = () => {
      if (++arrived === 30) allArrived();
    };
    const servers = await Promise.all(['a', 'b', 'c'].map((n) => startSlow(t, n, gate, onArrival)));
    const addrs = servers.map((s) => s.addr);
    const own = await new MultiServersDiscovery(addrs).get(SelectMode.ConsistentHash, 'hot');
    const xc = new XClient(
      new MultiServersDiscovery(addrs, { maxLoad: 1.25 }),
      SelectMode.ConsistentHash,
    );
    t.after(() => xc.close());

    const calls = Array.from({ length: 30 }, () => xc.call('Slow.work', null, { key: 'hot' }));
    await all;
    const loads = Object.fromEntries(servers.map((s) => [s.addr, s.slow.inFlight]));
    assert.ok(Math.max(...Object.values(loads)) <= 13, JSON.stringify(loads));
    assert.ok((loads[own] ?? 0) >= 12, JSON.stringify(loads));
    release();
    await Promise.all(calls);
    const ownName = servers.find((s) => s.addr === own)?.slow.name;
    assert.equal(await xc.call('Slow.work', null, { key: 'hot' }), ownName, 'all done: home again');
  });

  test('once the calls are done, the key goes back to its own server alone', async () => {
    const addrs = ['tcp@127.0.0.1:1001', 'tcp@127.0.0.1:1002', 'tcp@127.0.0.1:1003'];
    const discovery = new MultiServersDiscovery(addrs, { maxLoad: 1.25 });
    const picks = [];
    for (let i = 0; i < 6; i++) picks.push(await discovery.get(SelectMode.ConsistentHash, 'hot'));
    assert.ok(new Set(picks).size > 1, `six in flight spill over: ${picks}`);
    for (const addr of picks) discovery.done(addr);
    const again = await discovery.get(SelectMode.ConsistentHash, 'hot');
    assert.equal(again, picks[0]);
  });
});
