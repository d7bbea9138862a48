/**
 * Tests of the read loop's time slice: a burst of requests that are slow to decode does
 * not keep the process from another client until the whole burst is done. Added on day 1.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { type CodecType, encodings, type Header, newCodecFuncMap } from '../codec/codec.ts';
import { encodeFrames } from '../codec/frame.ts';
import { connectRaw, DAY, sendOption, startServer } from '../test-helpers.ts';

const header = (seq: number, serviceMethod = 'Foo.Sum'): Header => ({
  serviceMethod,
  seq,
  error: '',
});

async function client(t: TestContext, port: number, codecType: CodecType) {
  const raw = await connectRaw(t, port);
  assert.deepEqual(await sendOption(raw, { codecType }), { error: '' });
  return { raw, cc: newCodecFuncMap[codecType](raw.conn, raw.reader) };
}

describe(`${DAY}: the read loop's time slice (guard/time-slice.ts)`, () => {
  // Four 8 KiB YAML bodies, tens of ms each to decode, sent in one write: all buffered at
  // once, so the fast path would decode them back to back before anyone else's turn.
  test('another client is answered before a burst of slow requests is done', async (t) => {
    const { port } = await startServer(t);
    const slow = await client(t, port, 'application/yaml');
    const quick = await client(t, port, 'application/json');
    const yaml = encodings['application/yaml'];
    const body = Buffer.from(`[${'a,'.repeat(4090)}a]`); // 8,183 bytes, 4,091 values
    // A method nobody serves: its args are decoded all the same, and the answer is short.
    const burst = [1, 2, 3, 4].map((seq) =>
      encodeFrames(yaml.encode(header(seq, 'No.such')), body),
    );
    const order: string[] = [];
    const answered = async (name: string, cc: typeof slow.cc, count: number) => {
      for (let i = 1; i <= count; i++) {
        assert.equal((await cc.readHeader())?.seq, i);
        await cc.readBody();
        order.push(`${name}${i}`);
      }
    };
    slow.raw.conn.write(Buffer.concat(burst));
    quick.cc.write(header(1), 'me too');
    await Promise.all([answered('slow', slow.cc, 4), answered('quick', quick.cc, 1)]);
    assert.ok(order.indexOf('quick1') < order.indexOf('slow4'), `answered in order ${order}`);
  });
});
