/**
 * Tests of framing: whole frames out of any chunking, clean and unclean ends, and the
 * frame-size limit. Added on day 1.
 */
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { DAY } from '../test-helpers.ts';
import { encodeFrames, FrameError, FrameParser, FrameReader } from './frame.ts';

const chunks = (...parts: Buffer[]) => Readable.from(parts);

describe(`${DAY}: frames`, () => {
  test('a frame is a 4-byte big-endian length, then the payload', () => {
    assert.deepEqual(encodeFrames(Buffer.from('hi')), Buffer.from([0, 0, 0, 2, 0x68, 0x69]));
  });

  test('reads the same frames whether they arrive in one chunk or one byte at a time', async () => {
    const payloads = ['a', '', 'hello, world', 'é∑😀'].map((s) => Buffer.from(s));
    const wire = encodeFrames(...payloads);
    for (const parts of [[wire], [...wire].map((byte) => Buffer.from([byte]))]) {
      const reader = new FrameReader(chunks(...parts));
      for (const payload of payloads) assert.deepEqual(await reader.read(), payload);
      assert.equal(await reader.read(), null);
    }
  });

  test('a clean end between frames is null, not an error', async () => {
    assert.equal(await new FrameReader(chunks()).read(), null);
  });

  test('a stream that ends in the middle of a frame is an error', async () => {
    const wire = encodeFrames(Buffer.from('hello'));
    for (const cut of [2, 7]) {
      const reader = new FrameReader(chunks(wire.subarray(0, cut)));
      await assert.rejects(reader.read(), { name: 'FrameError', message: /middle of a frame/ });
    }
  });

  test('refuses a frame that announces 4 GiB as soon as it reads the length', () => {
    const parser = new FrameParser();
    parser.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x01]));
    assert.throws(
      () => parser.take(),
      (err: unknown) => {
        assert.ok(err instanceof FrameError);
        assert.match(err.message, /4294967295 bytes exceeds maxFrameSize \(16777216 bytes\)/);
        return true;
      },
    );
    assert.equal(parser.buffered, 5, 'nothing was allocated for the announced payload');
  });

  test('a length prefix that reads as text is named as another protocol, not a size to raise', () => {
    const parser = new FrameParser();
    parser.push(Buffer.from('GET / HTTP/1.1\r\n'));
    assert.throws(() => parser.take(), /prefix reads "GET ", so the peer speaks another protocol/);
  });

  test('maxFrameSize is configurable: a frame of exactly the limit passes, one byte more does not', () => {
    const parser = new FrameParser(3);
    parser.push(encodeFrames(Buffer.from('abc')));
    assert.deepEqual(parser.take(), Buffer.from('abc'));
    parser.push(encodeFrames(Buffer.from('abcd')));
    assert.throws(() => parser.take(), /exceeds maxFrameSize \(3 bytes\)/);
  });

  test('tryRead() hands out a frame that is here whole, without waiting; undefined before', async () => {
    const source = new PassThrough();
    const reader = new FrameReader(source);
    const wire = encodeFrames(Buffer.from('one'), Buffer.from('two'));
    source.write(wire.subarray(0, wire.length - 1));
    await tick();
    assert.equal(reader.holds(1), true);
    assert.equal(reader.holds(2), false);
    assert.deepEqual(reader.tryRead(), Buffer.from('one'));
    assert.equal(reader.tryRead(), undefined);
    source.write(wire.subarray(wire.length - 1));
    await tick();
    assert.equal(reader.holds(1), true);
    assert.deepEqual(reader.tryRead(), Buffer.from('two'));
  });

  test('a reader nobody reads from stops taking bytes once it holds 64 KiB', async () => {
    const source = new PassThrough();
    const reader = new FrameReader(source);
    const frame = encodeFrames(Buffer.alloc(2 * 1024 * 1024));
    for (let offset = 0; offset < 1024 * 1024; offset += 16 * 1024) {
      source.write(frame.subarray(offset, offset + 16 * 1024));
      await tick();
    }
    // What the reader did not take is still in the stream: TCP's window would fill.
    const taken = 1024 * 1024 - source.readableLength - source.writableLength;
    assert.ok(taken < 128 * 1024, `the reader took ${taken} bytes nobody asked for`);
    source.end(frame.subarray(1024 * 1024));
    assert.equal((await reader.read())?.length, 2 * 1024 * 1024);
  });
});
