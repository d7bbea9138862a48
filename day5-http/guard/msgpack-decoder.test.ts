/**
 * Tests of the MessagePack decoder's bounds: no frame may make it allocate more than the
 * frame's bytes can fill, nor nest deeper than 100 levels. Added on day 1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Encoder } from '@msgpack/msgpack';
import { DAY } from '../test-helpers.ts';
import { BoundedDecoder } from './msgpack-decoder.ts';

const array32 = (length: number) =>
  Buffer.of(0xdd, ...new Uint8Array(new Uint32Array([length]).buffer).reverse());

describe(`${DAY}: MessagePack decoder bounds`, () => {
  test('decodes every type the encoder writes, nested to 100 levels', () => {
    const decoder = new BoundedDecoder();
    let deep: unknown = 'x'.repeat(70_000);
    for (let i = 1; i < 100; i++) deep = [deep];
    const value = {
      nil: null,
      yes: true,
      n: [0, -1, 200, -200, 70_000, -70_000, 2 ** 40, -(2 ** 40), 1.5],
      s: ['', 'é', 'x'.repeat(40), 'x'.repeat(300)],
      bin: Buffer.alloc(300),
      date: new Date(0),
      map: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i])),
      list: Array.from({ length: 70_000 }, (_, i) => i),
      deep,
    };
    const bytes = Buffer.from(new Encoder({ maxDepth: 200 }).encode(value));
    assert.deepEqual(decoder.decode(bytes), value);
  });

  test('refuses a value that nests deeper than 100 levels', () => {
    const decoder = new BoundedDecoder();
    const deep = Buffer.concat([Buffer.alloc(101, 0x91), Buffer.of(0xc0)]);
    assert.throws(() => decoder.decode(deep), { name: 'DepthError' });
    assert.deepEqual(decoder.decode(Buffer.of(0x91, 0xc0)), [null]);
  });

  test('refuses a 5-byte header that announces 2^25 elements before making the array', () => {
    const decoder = new BoundedDecoder();
    assert.throws(() => decoder.decode(array32(2 ** 25 - 1)), /33554431 elements in 0 bytes/);
  });

  test('refuses nested headers of 2^25 elements each as quickly (each would multiply the last)', () => {
    const decoder = new BoundedDecoder();
    const nested = Buffer.concat(Array.from({ length: 2 }, () => array32(2 ** 25 - 1)));
    assert.throws(() => decoder.decode(nested), /33554431 elements in \d+ bytes/);
  });

  test('refuses a string, binary or ext whose length runs past the frame', () => {
    const decoder = new BoundedDecoder();
    for (const bytes of [
      Buffer.of(0xdb, 0xff, 0xff, 0xff, 0xff, 0x61),
      Buffer.of(0xc6, 0, 0, 1),
      Buffer.of(0xc9, 0, 0, 0, 9, 1),
    ]) {
      assert.throws(() => decoder.decode(bytes), /ends early/);
    }
  });
});
