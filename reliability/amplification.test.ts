/**
 * Frames that cost far more to decode than their bytes: 16 MiB of tiny values in each
 * codec (8 KiB in YAML, its cap), sent to the day 7 server in its own process while
 * another client keeps calling. Before MAX_VALUES, one such frame stalled every other
 * client for seconds (JSON: answered after 16.7 s on a loaded machine); now each is
 * refused before it is decoded. Not part of any day.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial } from '../day7-registry/client.ts';
import { type CodecType, encodings } from '../day7-registry/codec/codec.ts';
import { encodeFrames, FrameReader } from '../day7-registry/codec/frame.ts';
import { DEFAULT_OPTION } from '../day7-registry/server.ts';
import { startServerProcess } from './helpers.ts';

const MiB = 1024 * 1024;

// The body that costs most per byte in each codec, as large as the server accepts.
const worstBody: Record<CodecType, () => Buffer> = {
  'application/json': () => Buffer.from(`[${'{},'.repeat((16 * MiB) / 3 - 2)}{}]`),
  'application/msgpack': () => {
    const bytes = Buffer.alloc(16 * MiB - 64, 0x80); // array32 of empty maps
    bytes[0] = 0xdd;
    bytes.writeUInt32BE(bytes.length - 5, 1);
    return bytes;
  },
  'application/yaml': () => Buffer.from(`[${'{},'.repeat((8 * 1024) / 3 - 2)}{}]`),
};

describe('reliability: decode amplification', () => {
  test('a 16 MiB frame of tiny values, in every codec, stalls no other client for long', async (t) => {
    const server = await startServerProcess(t);
    const probe = await dial('tcp', `127.0.0.1:${server.tcp}`);
    t.after(() => probe.close());
    // The longest the other client went without an answer: the gap between two of its
    // calls completing, or since its last one.
    let lastAnswer = performance.now();
    let worst = 0;
    const gap = () => Math.max(worst, performance.now() - lastAnswer);
    let probing = true;
    const probing_ = (async () => {
      while (probing) {
        await probe.call('Foo.sum', { num1: 1, num2: 2 });
        worst = gap();
        lastAnswer = performance.now();
        await sleep(5);
      }
    })();
    for (const codecType of Object.keys(worstBody) as CodecType[]) {
      const conn = net.connect(server.tcp, '127.0.0.1');
      t.after(() => conn.destroy());
      await once(conn, 'connect');
      const reader = new FrameReader(conn, { maxFrameSize: 32 * MiB });
      conn.write(encodeFrames(JSON.stringify({ ...DEFAULT_OPTION, codecType })));
      await reader.read(); // the option's reply
      const { encode, decode } = encodings[codecType];
      const header = { serviceMethod: 'Foo.echo', seq: 1, error: '' };
      const body = worstBody[codecType]();
      const started = performance.now();
      conn.write(encodeFrames(encode(header), body));
      const reply = decode((await reader.read()) as Buffer) as { error: string };
      const answered = (performance.now() - started).toFixed(0);
      t.diagnostic(
        `${codecType}: answered in ${answered} ms; calls waited at most ${gap().toFixed(0)} ms`,
      );
      if (codecType !== 'application/yaml') assert.match(reply.error, /more than 100000 values/);
      conn.destroy();
    }
    probing = false;
    await probing_;
    assert.ok(gap() < 3000, `the other client waited ${gap().toFixed(0)} ms for an answer`);
    assert.equal(server.stderr(), '', 'the server process reported a crash');
  });
});
