/**
 * Exercise 6.2's "done when": passive health checks. A server whose dial or call failed
 * is passed over by get() for `ejectFor` ms, and listed by getAll() all along.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { DAY, startServer } from '../test-helpers.ts';
import { MultiServersDiscovery, SelectMode } from './discovery.ts';
import { XClient } from './xclient.ts';

class Who {
  readonly name: string;
  constructor(name: string) {
    this.name = name;
  }
  whoami(): string {
    return this.name;
  }
}

async function startWho(t: TestContext, name: string) {
  const { server, port } = await startServer(t);
  server.register(new Who(name));
  return { addr: `tcp@127.0.0.1:${port}`, server };
}

describe(`${DAY}: exercise 2, passive health checks`, () => {
  test('a stopped server fails one call, is passed over for the next ten, and is back after ejectFor', async (t) => {
    const [a, b, c] = [await startWho(t, 'a'), await startWho(t, 'b'), await startWho(t, 'c')];
    await b.server.close();
    const addrs = [a.addr, b.addr, c.addr];
    let clock = 0; // ms: time passes only when the test says so
    const now = () => clock;
    const discovery = new MultiServersDiscovery(addrs, { random: () => 0, ejectFor: 50, now });
    const xc = new XClient(discovery, SelectMode.RoundRobin);
    t.after(() => xc.close());

    assert.equal(await xc.call('Who.whoami', null), 'a');
    await assert.rejects(xc.call('Who.whoami', null), /ECONNREFUSED/); // b, stopped
    const answered = [];
    for (let i = 0; i < 10; i++) answered.push(await xc.call('Who.whoami', null));
    assert.deepEqual(answered, ['a', 'c', 'a', 'c', 'a', 'c', 'a', 'c', 'a', 'c']);
    assert.deepEqual(await discovery.getAll(), addrs); // broadcasts still go everywhere

    clock += 49;
    assert.notEqual(await xc.call('Who.whoami', null), 'b');
    clock += 1; // ejectFor has passed
    const picks = [];
    for (let i = 0; i < 3; i++) picks.push(await discovery.get(SelectMode.RoundRobin));
    assert.ok(picks.includes(b.addr), `b is picked again: ${picks}`);
  });

  test('under ConsistentHash only the keys of a failed server move, and come back after ejectFor', async () => {
    const addrs = ['tcp@127.0.0.1:1001', 'tcp@127.0.0.1:1002', 'tcp@127.0.0.1:1003'];
    let clock = 0;
    const discovery = new MultiServersDiscovery(addrs, { ejectFor: 50, now: () => clock });
    const keys = Array.from({ length: 30 }, (_, i) => `key${i}`);
    const owner = async (key: string) => discovery.get(SelectMode.ConsistentHash, key);
    const before = await Promise.all(keys.map(owner));
    discovery.report(addrs[0] as string, false);
    const during = await Promise.all(keys.map(owner));
    keys.forEach((key, i) => {
      if (before[i] === addrs[0]) assert.notEqual(during[i], addrs[0], key);
      else assert.equal(during[i], before[i], key);
    });
    clock = 50;
    assert.deepEqual(await Promise.all(keys.map(owner)), before);
  });
});
