/**
 * Exercise 6.1's "done when": a call whose dial fails is tried on the next server the
 * discovery picks, `retries` times; a call that reached a server is never tried again.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DAY, startServer } from '../test-helpers.ts';
import { MultiServersDiscovery, SelectMode } from './discovery.ts';
import { XClient } from './xclient.ts';

class Who {
  readonly name: string;
  calls = 0;
  constructor(name: string) {
    this.name = name;
  }
  whoami(): string {
    this.calls++;
    return this.name;
  }
  fail(): never {
    this.calls++;
    throw new Error(`${this.name} failed`);
  }
}

async function startWho(t: TestContext, name: string): Promise<{ addr: string; who: Who }> {
  const { server, port } = await startServer(t);
  const who = new Who(name);
  server.register(who);
  return { addr: `tcp@127.0.0.1:${port}`, who };
}

// An address where nobody listens: a port that was free a moment ago.
async function closedAddr(): Promise<string> {
  const listener = net.createServer().listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  await new Promise((resolve) => listener.close(resolve));
  return `tcp@127.0.0.1:${port}`;
}

// RoundRobin starting at the first server (`random: () => 0`).
function newXClient(t: TestContext, servers: string[], retries: number): XClient {
  const discovery = new MultiServersDiscovery(servers, { random: () => 0 });
  const xc = new XClient(discovery, SelectMode.RoundRobin, {}, { retries });
  t.after(() => xc.close());
  return xc;
}

describe(`${DAY}: exercise 1, retries on another server`, () => {
  test('with a closed and b up, retries: 1 gets b’s reply and retries: 0 the dial error', async (t) => {
    const a = await closedAddr();
    const b = await startWho(t, 'b');
    assert.equal(await newXClient(t, [a, b.addr], 1).call('Who.whoami', null), 'b');
    await assert.rejects(newXClient(t, [a, b.addr], 0).call('Who.whoami', null), /ECONNREFUSED/);
  });

  test('a call the server answered with an error is not tried again', async (t) => {
    const [a, b] = [await startWho(t, 'a'), await startWho(t, 'b')];
    const xc = newXClient(t, [a.addr, b.addr], 1);
    await assert.rejects(xc.call('Who.fail', null), /a failed/);
    assert.deepEqual([a.who.calls, b.who.calls], [1, 0]);
  });

  test('no retry starts once the caller’s signal has fired', async (t) => {
    const a = await closedAddr();
    const { server, port, conns } = await startServer(t);
    server.register(new Who('b'));
    const controller = new AbortController();
    // The caller gives up while its failed dial to a looks for the next server.
    class GiveUpOnRetry extends MultiServersDiscovery {
      #picks = 0;
      override async get(mode: SelectMode, key?: string): Promise<string> {
        if (++this.#picks === 2) controller.abort(new Error('given up'));
        return super.get(mode, key);
      }
    }
    const discovery = new GiveUpOnRetry([a, `tcp@127.0.0.1:${port}`], { random: () => 0 });
    const xc = new XClient(discovery, SelectMode.RoundRobin, {}, { retries: 1 });
    t.after(() => xc.close());
    await assert.rejects(xc.call('Who.whoami', null, { signal: controller.signal }), /given up/);
    await sleep(50); // a dial to b, had one started, would have connected by now
    assert.equal(conns.length, 0);
  });
});
