/**
 * Clients that send requests and never read the replies, to the day 7 server in its own
 * process: each of 8 connections pipelines 1,000 calls of a method whose reply is 256 KiB
 * for a request of 60 bytes. Replies count as in flight until the socket takes them, so
 * past the server-wide bound the others are read one request at a time and the server
 * holds about one connection's burst; before, each connection queued its own. A client
 * that reads is still answered. `UNREAD_CONNECTIONS` scales it. Not part of any day.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial } from '../day7-registry/client.ts';
import { encodings } from '../day7-registry/codec/codec.ts';
import { encodeFrames, FrameReader } from '../day7-registry/codec/frame.ts';
import { DEFAULT_OPTION } from '../day7-registry/server.ts';
import { setting, startServerProcess } from './helpers.ts';

const CONNECTIONS = setting('UNREAD_CONNECTIONS', 8);
const REPLY = 256 * 1024;

describe('reliability: replies never read', () => {
  test(`${CONNECTIONS} clients that never read their replies cost the server a bounded memory; a client that reads is answered`, async (t) => {
    const server = await startServerProcess(t);
    const buffers = async () => (await server.memory()).arrayBuffers;
    const baseline = await buffers();
    const { encode } = encodings['application/json'];
    const calls = Buffer.concat(
      Array.from({ length: 1_000 }, (_, seq) =>
        encodeFrames(encode({ serviceMethod: 'Foo.blob', seq, error: '' }), encode(REPLY)),
      ),
    );
    for (let i = 0; i < CONNECTIONS; i++) {
      const conn = net.connect(server.tcp, '127.0.0.1');
      conn.on('error', () => {});
      t.after(() => conn.destroy());
      await once(conn, 'connect');
      const reader = new FrameReader(conn);
      conn.write(encodeFrames(JSON.stringify(DEFAULT_OPTION)));
      await reader.read(); // the option's reply; from here on, nothing more is read
      conn.pause();
      conn.write(calls);
    }
    // Wait until what the server holds stops growing (two looks 200 ms apart).
    let [held, last] = [0, -1];
    while (held !== last) {
      last = held;
      await sleep(200);
      held = (await buffers()) - baseline;
    }
    const client = await dial('tcp', `127.0.0.1:${server.tcp}`);
    t.after(() => client.close());
    const started = performance.now();
    assert.equal(await client.call('Foo.sum', { num1: 1, num2: 2 }), 3);
    const ms = (performance.now() - started).toFixed(0);
    t.diagnostic(
      `${CONNECTIONS} connections: replies held +${(held / 1e6).toFixed(0)} MB; a reading client answered in ${ms} ms`,
    );
    // One connection's burst (256 requests in flight × 256 KiB) plus one reply per other
    // connection, about 70 MB; each connection queued its own burst before (8 × 67 MB).
    assert.ok(held < 160e6, `the server holds ${(held / 1e6).toFixed(0)} MB of replies`);
    assert.equal(server.stderr(), '', 'the server process reported a crash');
  });
});
