/**
 * Day 1, exercise 1 ("Add a codec"): base64-json works end to end, from one file and
 * one line in codec.ts. (codec.test.ts round-trips it too: it tests every encoding.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  connectRaw,
  DAY,
  expectedReply,
  runDemo,
  sendOption,
  startServer,
} from '../test-helpers.ts';
import { base64Json } from './base64-json.ts';
import { encodings } from './codec.ts';
import { encodeFrames } from './frame.ts';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

describe(`${DAY}: exercise 1, a base64-json codec`, () => {
  test('every frame after the option is base64 on the wire, both ways', async (t) => {
    const { port } = await startServer(t);
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw, { codecType: 'application/base64-json' }), {
      error: '',
    });
    const header = { serviceMethod: 'Foo.Sum', seq: 1, error: '' };
    raw.conn.write(encodeFrames(base64Json.encode(header), base64Json.encode('geerpc req 1')));
    const [replyHeader, replyBody] = [await raw.reader.read(), await raw.reader.read()];
    assert.match(String(replyHeader), BASE64);
    assert.match(String(replyBody), BASE64);
    assert.deepEqual(base64Json.decode(replyHeader as Buffer), header);
    assert.deepEqual(base64Json.decode(replyBody as Buffer), expectedReply(1, 'geerpc req 1'));
  });

  test('the demo prints its five replies with --codec base64-json', async () => {
    assert.ok(Object.hasOwn(encodings, 'application/base64-json'));
    const run = await runDemo('--codec', 'base64-json');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.match(/^reply: geerpc resp \d$/gm)?.length, 5);
  });
});
