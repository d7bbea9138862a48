/**
 * Tests of the MessagePack decoder's bounds: depth, and the memory a failed decode
 * leaves behind. Added on day 1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DAY } from '../test-helpers.ts';
import { BoundedDecoder } from './msgpack-decoder.ts';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

describe(`${DAY}: MessagePack decoder bounds`, () => {
  test('refuses a value that nests deeper than 100 levels', () => {
    const decoder = new BoundedDecoder();
    const deep = Buffer.concat([Buffer.alloc(101, 0x91), Buffer.of(0xc0)]);
    assert.throws(() => decoder.decode(deep), { name: 'DepthError' });
    assert.deepEqual(decoder.decode(Buffer.of(0x91, 0xc0)), [null]);
  });

  test('keeps no memory from a failed decode of 2 million levels of nesting', () => {
    const decoder = new BoundedDecoder();
    const before = heapAfterGc();
    assert.throws(() => decoder.decode(Buffer.alloc(2_000_000, 0x91))); // ends mid-value
    const grown = heapAfterGc() - before;
    assert.ok(grown < 50 * 1024 * 1024, `the decoder still holds ${grown} bytes`);
  });
});
