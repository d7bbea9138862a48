/**
 * The day 7 server's memory under many connections, each at its own in-flight limit
 * (256 requests, 4 MiB), with JSON built to decode to 20 times its size and a handler
 * that holds every request for 2 s. Per-connection limits alone grew the heap by about
 * 50 MB a connection; the server-wide maxServerInFlightBytes keeps it flat.
 * `MEMORY_CONNECTIONS` scales it up.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, dial } from '../day7-registry/client.ts';
import { setting, startServerProcess } from './helpers.ts';

const CONNECTIONS = setting('MEMORY_CONNECTIONS', 40);

describe('reliability: memory', () => {
  test(`${CONNECTIONS} connections at their in-flight limits cost the server a bounded heap`, async (t) => {
    const server = await startServerProcess(t);
    const baseline = await server.heapUsed();
    const args = Array.from({ length: (16 * 1024) / 3 }, () => ({})); // 16 KiB of `{},`
    const clients: Client[] = [];
    t.after(() => Promise.all(clients.map((c) => c.close())));
    for (let i = 0; i < CONNECTIONS; i++)
      clients.push(await dial('tcp', `127.0.0.1:${server.tcp}`));
    const calls = clients.flatMap((c) =>
      Array.from({ length: 256 }, () => c.call('Foo.hold', args).catch(() => {})),
    );
    await sleep(1000); // every request sent; those the server read are held
    const peak = (await server.heapUsed()) - baseline;
    t.diagnostic(`${CONNECTIONS} connections: heap +${(peak / 1e6).toFixed(0)} MB`);
    // 16 MiB of requests in flight, plus one more per connection, at 20x: about 400 MB.
    assert.ok(peak < 700e6, `the heap grew by ${(peak / 1e6).toFixed(0)} MB`);
    assert.equal(server.stderr(), '', 'the server process reported a crash');
    await Promise.all(clients.map((c) => c.close())); // the calls left end with ShutdownError
    await Promise.all(calls);
  });
});
