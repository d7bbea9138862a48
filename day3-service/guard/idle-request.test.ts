/**
 * The read loop forgets each request once it is handled: an idle connection holds none
 * of the last one. Alone in its file, so in a fresh process: once V8 has optimized the
 * loop (thousands of requests in other tests), optimized code drops the dead variable
 * by itself, and this test could no longer tell the loop's `req = null` from its
 * absence. A server that has not served thousands yet runs the unoptimized loop.
 * Added on day 1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodings, type Header, newCodecFuncMap } from '../codec/codec.ts';
import { encodeFrames } from '../codec/frame.ts';
import { connectRaw, DAY, sendOption, startServer } from '../test-helpers.ts';

const header = (seq: number): Header => ({ serviceMethod: 'Foo.Sum', seq, error: '' });

describe(`${DAY}: an idle connection`, () => {
  test('an idle connection keeps nothing of the request it sent last (the read loop held it)', async (t) => {
    v8.setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const { port } = await startServer(t);
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw, { codecType: 'application/msgpack' }), { error: '' });
    const cc = newCodecFuncMap['application/msgpack'](raw.conn, raw.reader);
    const { encode } = encodings['application/msgpack'];
    const before = heap();
    // 8 MiB of distinct strings (28,000, under MAX_VALUES): about 9 MB once decoded.
    const body = encode(Array.from({ length: 28_000 }, (_, i) => `${i}`.padEnd(300, 'x')));
    raw.conn.write(encodeFrames(encode(header(1)), body));
    assert.equal((await cc.readHeader())?.seq, 1);
    await cc.readBody();
    await sleep(20); // the connection now waits for its next request
    const held = heap() - before;
    assert.ok(held < 4e6, `the server still holds ${(held / 1e6).toFixed(0)} MB of it`);
  });
});
