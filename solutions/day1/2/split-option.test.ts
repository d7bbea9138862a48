/**
 * Day 1, exercise 2 ("Split a frame on purpose"): an option whose length prefix and
 * payload arrive 20 ms apart is read whole, by the server and in the demo.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newCodecFuncMap } from './codec/codec.ts';
import { DEFAULT_OPTION, encodeJsonFrame } from './protocol.ts';
import { connectRaw, DAY, expectedReply, runDemo, startServer } from './test-helpers.ts';

describe(`${DAY}: exercise 2, a frame split on purpose`, () => {
  test('the server waits for the rest of a frame whose prefix came 20 ms early', async (t) => {
    const { port } = await startServer(t);
    const raw = await connectRaw(t, port);
    const option = encodeJsonFrame(DEFAULT_OPTION);
    raw.conn.write(option.subarray(0, 4));
    await sleep(20);
    raw.conn.write(option.subarray(4));
    assert.deepEqual(JSON.parse(String(await raw.reader.read())), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    cc.write({ serviceMethod: 'Foo.Sum', seq: 1, error: '' }, 'after the split');
    assert.equal((await cc.readHeader())?.seq, 1);
    assert.deepEqual(await cc.readBody(), expectedReply(1, 'after the split'));
  });

  test('the demo, which now splits its option, still prints five replies', async () => {
    const run = await runDemo();
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.match(/^reply: /gm)?.length, 5);
  });
});
