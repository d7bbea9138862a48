/**
 * The day 7 server in a process of its own, under load and under a handle timeout:
 * every call gets its own reply, nothing lost or duplicated, and exactly one response
 * per request on the wire. `LOAD_CONNECTIONS` and `LOAD_CALLS` scale it up.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { type Client, xDial } from '../day7-registry/client.ts';
import {
  type CodecType,
  encodings,
  type Header,
  newCodecFuncMap,
} from '../day7-registry/codec/codec.ts';
import { encodeFrames, FrameReader } from '../day7-registry/codec/frame.ts';
import { DEFAULT_OPTION } from '../day7-registry/server.ts';
import { seeded, setting, startServerProcess } from './helpers.ts';

const CONNECTIONS = setting('LOAD_CONNECTIONS', 1000);
const CALLS = setting('LOAD_CALLS', 100);
const CODECS = Object.keys(encodings) as CodecType[];

describe('reliability: load', () => {
  test(`${CONNECTIONS} connections × ${CALLS} calls, mixed codecs, TCP and HTTP: every call gets its own reply`, {
    timeout: 120_000,
  }, async (t) => {
    const server = await startServerProcess(t);
    const clients: Client[] = [];
    t.after(() => Promise.all(clients.map((c) => c.close())));
    for (let i = 0; i < CONNECTIONS; i += 50) {
      const batch = Array.from({ length: Math.min(50, CONNECTIONS - i) }, (_, j) => {
        const n = i + j;
        const codecType = CODECS[n % CODECS.length] as CodecType;
        const addr = n % 2 === 0 ? `tcp@127.0.0.1:${server.tcp}` : `http@127.0.0.1:${server.http}`;
        return xDial(addr, { codecType });
      });
      clients.push(...(await Promise.all(batch)));
    }
    let answered = 0;
    await Promise.all(
      clients.map(async (client, c) => {
        // Ten calls in flight per connection, each with an argument no other call has.
        for (let i = 0; i < CALLS; i += 10) {
          const replies = await Promise.all(
            Array.from({ length: Math.min(10, CALLS - i) }, (_, k) =>
              client.call('Foo.echo', { c, i: i + k }),
            ),
          );
          for (const [k, reply] of replies.entries()) assert.deepEqual(reply, { c, i: i + k });
          answered += replies.length;
        }
      }),
    );
    assert.equal(answered, CONNECTIONS * CALLS);
    assert.equal(server.stderr(), '');
    t.diagnostic(`${answered} calls over ${CONNECTIONS} connections, every reply its own`);
  });

  test('10,000 requests under a handle timeout near their duration: exactly one response each', {
    timeout: 60_000,
  }, async (t) => {
    const server = await startServerProcess(t);
    const conn = net.connect(server.tcp, '127.0.0.1');
    t.after(() => conn.destroy());
    await once(conn, 'connect');
    const reader = new FrameReader(conn);
    conn.write(encodeFrames(Buffer.from(JSON.stringify({ ...DEFAULT_OPTION, handleTimeout: 5 }))));
    assert.deepEqual(JSON.parse(String(await reader.read())), { error: '' });
    const codec = newCodecFuncMap['application/json'](conn, reader);

    const random = seeded(setting('FUZZ_SEED', 20261125));
    const total = 10_000;
    for (let seq = 1; seq <= total; seq++) {
      // Handlers that take 0 to 10 ms against a 5 ms limit: about half finish in time.
      codec.write({ serviceMethod: 'Foo.sleep', seq, error: '' }, Math.floor(random() * 11));
      if (codec.writableLength > 1 << 20) await codec.drained();
    }
    const seen = new Map<number, number>();
    let timedOut = 0;
    for (let n = 0; n < total; n++) {
      const h = (await codec.readHeader()) as Header;
      await codec.readBody();
      seen.set(h.seq, (seen.get(h.seq) ?? 0) + 1);
      if (h.error !== '') timedOut++;
    }
    // Any second response would be the next frame: give the late handlers time to finish.
    const extra = await Promise.race([
      codec.readHeader(),
      new Promise((resolve) => setTimeout(resolve, 100, 'none')),
    ]);
    assert.equal(extra, 'none', 'a second response arrived');
    assert.equal(seen.size, total);
    assert.ok([...seen.values()].every((count) => count === 1));
    assert.ok(timedOut > 1000 && timedOut < total - 1000, `${timedOut} timed out`);
    t.diagnostic(`${total} requests, ${timedOut} answered by the timeout, each exactly once`);
  });
});
