/**
 * Day 1, exercise 3 ("Feel the limit"): with maxFrameSize 60, the option and a header
 * fit, a 100-character body does not, and the server's log names the setting to raise.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { json } from './codec/json.ts';
import { DEFAULT_OPTION, encodeJsonFrame } from './protocol.ts';
import { DAY, runDemo } from './test-helpers.ts';

describe(`${DAY}: exercise 3, the frame limit`, () => {
  test('the option and a header are under 60 bytes; the body is not', () => {
    const size = (text: string | Uint8Array) => Buffer.byteLength(text);
    assert.ok(encodeJsonFrame(DEFAULT_OPTION).length - 4 <= 60);
    assert.ok(size(json.encode({ serviceMethod: 'Foo.Sum', seq: 1, error: '' })) <= 60);
    assert.ok(size(json.encode('x'.repeat(100))) > 60);
  });

  test('the demo gets no reply, and the server logs the setting to raise', async () => {
    const run = await runDemo();
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /^reply:/m);
    assert.match(run.stdout, /the server closed the connection/);
    assert.match(run.stderr, /exceeds maxFrameSize \(60 bytes\); raise the maxFrameSize option/);
  });
});
