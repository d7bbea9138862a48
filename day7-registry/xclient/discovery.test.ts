/**
 * Tests of day 6's discovery: each select mode's sequence, its spread over 10,000
 * picks, and how consistent hashing moves keys when servers come and go. Added on day 6.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY } from '../test-helpers.ts';
import { MultiServersDiscovery, SelectMode } from './discovery.ts';

/** A seeded generator (mulberry32): the same seed gives the same "random" picks. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

// The tests name servers a, b, c; the discovery wants addresses: tcp@a:1, ...
const at = (name: string) => (name.includes('@') ? name : `tcp@${name}:1`);
const nameOf = (addr: string) => addr.replace(/^tcp@(.*):1$/, '$1');

/** A discovery of servers named, with weights where given. */
function discovery(
  servers: (string | { addr: string; weight: number })[],
  options?: { random?: () => number },
): MultiServersDiscovery {
  return new MultiServersDiscovery(servers.map(entry), options);
}

function entry(server: string | { addr: string; weight: number }) {
  return typeof server === 'string' ? at(server) : { ...server, addr: at(server.addr) };
}

/** The name of the server picked. */
async function pick(d: MultiServersDiscovery, mode: SelectMode, key?: string): Promise<string> {
  return nameOf(await d.get(mode, key));
}

async function picks(d: MultiServersDiscovery, mode: SelectMode, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await pick(d, mode));
  return out;
}

function countOf(list: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of list) counts[item] = (counts[item] ?? 0) + 1;
  return counts;
}

const ABC = ['a', 'b', 'c'];

describe(`${DAY}: discovery`, () => {
  test('Random with a seeded source repeats its sequence, and spreads evenly over 10,000 picks', async () => {
    const one = await picks(discovery(ABC, { random: seeded(7) }), 'Random', 20);
    const two = await picks(discovery(ABC, { random: seeded(7) }), 'Random', 20);
    assert.deepEqual(one, two);
    const counts = countOf(await picks(discovery(ABC), SelectMode.Random, 10_000));
    for (const addr of ABC) {
      // Expected 3,333 each; 5 standard deviations (47 each) would be 235.
      assert.ok(Math.abs((counts[addr] ?? 0) - 3333) < 250, `${addr}: ${counts[addr]}`);
    }
  });

  test('RoundRobin starts at a random server, then steps through them in order', async () => {
    // 0.5 × 2^31 = 2^30, and 2^30 mod 3 = 1: the first pick is b.
    const d = discovery(ABC, { random: () => 0.5 });
    assert.deepEqual(await picks(d, SelectMode.RoundRobin, 7), ['b', 'c', 'a', 'b', 'c', 'a', 'b']);
  });

  test('RoundRobin stays in range after update() shrinks or grows the list', async () => {
    const d = discovery(['a', 'b', 'c', 'd', 'e'], { random: () => 0 });
    assert.deepEqual(await picks(d, SelectMode.RoundRobin, 4), ['a', 'b', 'c', 'd']);
    d.update(['x', 'y'].map(at));
    assert.deepEqual(await picks(d, SelectMode.RoundRobin, 4), ['x', 'y', 'x', 'y']);
    d.update(['p', 'q', 'r'].map(at));
    const next = await picks(d, SelectMode.RoundRobin, 3);
    assert.deepEqual([...next].sort(), ['p', 'q', 'r']);
  });

  test('smooth WeightedRoundRobin spreads 5:1:1 as a a b a c a a, not five a in a row', async () => {
    const d = discovery([{ addr: 'a', weight: 5 }, 'b', { addr: 'c', weight: 1 }]);
    assert.deepEqual(await picks(d, SelectMode.WeightedRoundRobin, 14), [
      ...['a', 'a', 'b', 'a', 'c', 'a', 'a'],
      ...['a', 'a', 'b', 'a', 'c', 'a', 'a'],
    ]);
  });

  test('WeightedRoundRobin gives each server exactly its share of 10,000 picks', async () => {
    const d = discovery([
      { addr: 'a', weight: 3 },
      { addr: 'b', weight: 2 },
      { addr: 'c', weight: 5 },
    ]);
    const counts = countOf(await picks(d, SelectMode.WeightedRoundRobin, 10_000));
    assert.deepEqual(counts, { a: 3000, b: 2000, c: 5000 });
  });

  test('ConsistentHash maps a key to the same server every time, and spreads keys', async () => {
    const servers = [
      'tcp@10.0.0.1:9999',
      'tcp@10.0.0.2:9999',
      'tcp@10.0.0.3:9999',
      'tcp@10.0.0.4:9999',
    ];
    const d = discovery(servers);
    const other = discovery([...servers].reverse());
    const owners: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const owner = await d.get(SelectMode.ConsistentHash, `user-${i}`);
      assert.equal(await d.get(SelectMode.ConsistentHash, `user-${i}`), owner);
      assert.equal(await other.get(SelectMode.ConsistentHash, `user-${i}`), owner, 'order-free');
      owners.push(owner);
    }
    // 100 points per server: each gets its 2,500 keys give or take a fifth.
    for (const [addr, n] of Object.entries(countOf(owners))) {
      assert.ok(n > 2000 && n < 3000, `${addr}: ${n}`);
    }
  });

  test('ConsistentHash: a fifth server takes about 1/5 of 10,000 keys, and only from the others to itself', async () => {
    const four = ['s1', 's2', 's3', 's4'];
    const d = discovery(four);
    const keys = Array.from({ length: 10_000 }, (_, i) => `key-${i}`);
    const before = await Promise.all(keys.map((k) => pick(d, SelectMode.ConsistentHash, k)));
    d.update([...four, 's5'].map(at));
    const after = await Promise.all(keys.map((k) => pick(d, SelectMode.ConsistentHash, k)));
    let moved = 0;
    for (let i = 0; i < keys.length; i++) {
      if (before[i] === after[i]) continue;
      moved++;
      assert.equal(after[i], 's5', `${keys[i]} moved from ${before[i]} to ${after[i]}`);
    }
    assert.ok(moved > 1500 && moved < 2500, `moved ${moved} of 10,000 (expected about 2,000)`);

    // And back: removing s5 returns every key to where it was.
    d.update(four.map(at));
    assert.deepEqual(
      await Promise.all(keys.map((k) => pick(d, SelectMode.ConsistentHash, k))),
      before,
    );
  });

  test('ConsistentHash: removing a server moves only its own keys', async () => {
    const d = discovery(['s1', 's2', 's3', 's4', 's5']);
    const keys = Array.from({ length: 10_000 }, (_, i) => `key-${i}`);
    const before = await Promise.all(keys.map((k) => pick(d, SelectMode.ConsistentHash, k)));
    d.update(['s1', 's2', 's4', 's5'].map(at));
    for (let i = 0; i < keys.length; i++) {
      const now = await pick(d, SelectMode.ConsistentHash, keys[i] as string);
      if (before[i] !== 's3') assert.equal(now, before[i], `${keys[i]} moved but s3 never had it`);
      else assert.notEqual(now, 's3');
    }
  });

  test('an empty list, a missing key, or a bad entry is a clear error', async () => {
    const empty = discovery([]);
    await assert.rejects(empty.get(SelectMode.Random), /rpc discovery: no available servers/);
    await assert.rejects(empty.getAll(), /no available servers/);
    const d = discovery(ABC);
    await assert.rejects(d.get(SelectMode.ConsistentHash), /ConsistentHash needs a key/);
    await assert.rejects(d.get('Nearest' as SelectMode), /unknown select mode Nearest/);
    assert.throws(() => d.update([at('a'), at('a')]), /tcp@a:1 is listed twice/);
    assert.throws(
      () => d.update([{ addr: at('a'), weight: 0 }]),
      /weight of tcp@a:1 must be a whole number/,
    );
    assert.throws(() => d.update([{ addr: at('a'), weight: 1e6 }]), /from 1 to 100, got 1000000/);
    assert.throws(() => d.update([{ addr: at('a'), weight: 1.5 }]), /got 1.5/);
    assert.throws(() => d.update(['']), /want a server as protocol@address/);
    assert.throws(() => d.update(['localhost:9999']), /protocol@address/);
    assert.throws(() => d.update([null as unknown as string]), /got null/);
    assert.throws(() => d.update('a,b' as unknown as string[]), /must be an array/);
    assert.throws(() => d.update([{ addr: at('a'), weight: '3' as unknown as number }]), /got "3"/);
    assert.deepEqual(await d.getAll(), ABC.map(at), 'a refused update leaves the list as it was');
  });

  test('an update with the same servers keeps WRR where it was, and the ring as it was', async () => {
    const list = [
      { addr: 'a', weight: 5 },
      { addr: 'b', weight: 1 },
      { addr: 'c', weight: 1 },
    ];
    const d = discovery(list);
    const seq: string[] = [];
    for (let i = 0; i < 7; i++) {
      d.update(list.map(entry)); // as a registry refresh does, every few seconds
      seq.push(await pick(d, SelectMode.WeightedRoundRobin));
    }
    assert.deepEqual(seq, ['a', 'a', 'b', 'a', 'c', 'a', 'a']);
  });

  test('a random source that leaves [0, 1) is a clear error', async () => {
    assert.throws(
      () => discovery(ABC, { random: () => 1 }),
      /random\(\) must return \[0, 1\), got 1/,
    );
    let r = 0;
    const d = discovery(ABC, { random: () => r });
    r = Number.NaN;
    await assert.rejects(d.get(SelectMode.Random), /got NaN/);
  });

  test('update() and getAll() copy: the caller changing its array changes nothing here', async () => {
    const servers = [at('a'), at('b')];
    const d = new MultiServersDiscovery(servers);
    servers.push(at('c'));
    const all = await d.getAll();
    all.push(at('z'));
    assert.deepEqual(await d.getAll(), [at('a'), at('b')]);
  });
});
