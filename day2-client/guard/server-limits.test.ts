/**
 * Tests of what a hostile or careless client can make the server spend: deep bodies,
 * bodies that do not decode, long names, a refused client that will not leave, replies
 * nobody reads, frames nobody finishes. Each must cost that client, never the server.
 * Added on day 1 (findings of an attacker's walkthrough, and backpressure).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type Codec,
  type CodecType,
  encodings,
  type Header,
  newCodecFuncMap,
} from '../codec/codec.ts';
import { encodeFrames, whenClosed } from '../codec/frame.ts';
import { DEFAULT_OPTION } from '../server.ts';
import {
  connectRaw,
  DAY,
  expectedReply,
  type RawConn,
  sendOption,
  startServer,
} from '../test-helpers.ts';
import { MAX_VALUES } from './depth.ts';

const header = (seq: number): Header => ({ serviceMethod: 'Foo.Sum', seq, error: '' });

// A body that nests `depth` levels deep, as each codec writes it.
const deepBody: Record<CodecType, (depth: number) => Buffer> = {
  'application/json': (depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth)),
  'application/yaml': (depth) => Buffer.from('['.repeat(depth) + ']'.repeat(depth)),
  'application/msgpack': (depth) => Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.of(0xc0)]),
};

// The promise's value, or a failure if it takes more than a second (a wait that never ends).
function soon<T>(promise: Promise<T>): Promise<T> {
  const late = sleep(1000, undefined, { ref: false }).then(() => {
    throw new Error('no answer within a second');
  });
  return Promise.race([promise, late]);
}

async function handshake(raw: RawConn, codecType: CodecType = 'application/json') {
  assert.deepEqual(await sendOption(raw, { codecType }), { error: '' });
  return newCodecFuncMap[codecType](raw.conn, raw.reader);
}

describe(`${DAY}: server limits`, () => {
  for (const codecType of Object.keys(deepBody) as CodecType[]) {
    // YAML's parser took the process down at 1,000 and 100,000 levels (V8 aborted).
    test(`a body nested too deep costs its request an error, not the process (${codecType})`, async (t) => {
      const { port } = await startServer(t);
      const raw = await connectRaw(t, port);
      const cc = await handshake(raw, codecType);
      const { encode } = encodings[codecType];
      // YAML stops at 3,000: its payloads are capped at 8 KiB (tested below).
      const depths = codecType === 'application/yaml' ? [101, 1_000, 3_000] : [101, 1_000, 100_000];
      for (const depth of depths) {
        raw.conn.write(encodeFrames(encode(header(depth)), deepBody[codecType](depth)));
        const h = await cc.readHeader();
        assert.equal(h?.seq, depth);
        assert.match(h?.error ?? '', /cannot decode args: .*deeper than 100 levels/);
        assert.equal(await cc.readBody(), null);
      }
      cc.write(header(7), 'still here');
      assert.equal((await cc.readHeader())?.error, '');
      assert.deepEqual(await cc.readBody(), expectedReply(7, 'still here'));
    });
  }

  // A body of n tiny values as each codec writes it: zeros in JSON, empty maps in MessagePack.
  const manyValues: Partial<Record<CodecType, (n: number) => Buffer>> = {
    'application/json': (n) => Buffer.from(`[${'0,'.repeat(n - 1)}0]`),
    'application/msgpack': (n) => {
      const bytes = Buffer.alloc(5 + n, 0x80); // array32 of n fixmaps of 0 entries
      bytes[0] = 0xdd;
      bytes.writeUInt32BE(n, 1);
      return bytes;
    },
  };
  for (const [codecType, body] of Object.entries(manyValues) as [
    CodecType,
    (n: number) => Buffer,
  ][]) {
    // 16 MiB of them decoded to 64 times their bytes and stalled every client for seconds.
    test(`a body of more than MAX_VALUES tiny values costs its request an error, before it is decoded (${codecType})`, async (t) => {
      const { port } = await startServer(t);
      const raw = await connectRaw(t, port);
      const cc = await handshake(raw, codecType);
      const { encode } = encodings[codecType];
      raw.conn.write(encodeFrames(encode(header(1)), body(MAX_VALUES + 2)));
      assert.match(
        (await cc.readHeader())?.error ?? '',
        /cannot decode args: .*more than 100000 values/,
      );
      assert.equal(await cc.readBody(), null);
      const half = body(MAX_VALUES / 2); // well under the bound: decoded, and answered
      raw.conn.write(encodeFrames(encode(header(2)), half));
      assert.deepEqual(await cc.readHeader(), header(2));
      assert.deepEqual(await cc.readBody(), expectedReply(2, encodings[codecType].decode(half)));
    });
  }

  test('a MessagePack body the decoder refuses (a __proto__ key) costs its request, not the connection', async (t) => {
    const { port } = await startServer(t);
    const raw = await connectRaw(t, port);
    const cc = await handshake(raw, 'application/msgpack');
    const { encode } = encodings['application/msgpack'];
    const protoKey = Buffer.from([0x81, 0xa9, ...Buffer.from('__proto__'), 0x01]); // {__proto__: 1}
    raw.conn.write(encodeFrames(encode(header(1)), protoKey));
    assert.match((await cc.readHeader())?.error ?? '', /cannot decode args: .*__proto__/);
    assert.equal(await cc.readBody(), null);
    cc.write(header(2), 'next');
    assert.deepEqual(await cc.readHeader(), header(2));
    assert.deepEqual(await cc.readBody(), expectedReply(2, 'next'));
  });

  test('a YAML body over 8 KiB is refused before it is parsed (its tree costs 500 bytes a token)', async (t) => {
    const { port } = await startServer(t);
    const raw = await connectRaw(t, port);
    const cc = await handshake(raw, 'application/yaml');
    cc.write(header(1), 'x'.repeat(10_000));
    assert.match((await cc.readHeader())?.error ?? '', /YAML payload of \d+ bytes exceeds 8192/);
    assert.equal(await cc.readBody(), null);
  });

  test('a refused option quotes a long codec name in at most 100 characters', async (t) => {
    const { port } = await startServer(t);
    const reply = await sendOption(await connectRaw(t, port), { codecType: 'x'.repeat(900) });
    assert.match(reply.error, /^unsupported codec x{100}\.\.\. \(900 characters\)$/);
  });

  test('an option of a megabyte is refused without being parsed', async (t) => {
    const { port } = await startServer(t);
    const reply = await sendOption(await connectRaw(t, port), { padding: '['.repeat(1 << 20) });
    assert.match(reply.error, /^malformed option: \d+ bytes, want at most 1024$/);
  });

  test('a refused client that keeps sending is closed after a second, not drained forever', async (t) => {
    const { port } = await startServer(t);
    // allowHalfOpen: the client keeps its side open after the server's end, as an
    // attacker's would; a well-behaved socket would close at once.
    const conn = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    conn.on('error', () => {});
    t.after(() => conn.destroy());
    await once(conn, 'connect');
    conn.write(encodeFrames(Buffer.from(JSON.stringify({ ...DEFAULT_OPTION, magicNumber: 1 }))));
    conn.resume(); // read (and drop) the reply, so that its end can be seen
    await once(conn, 'end'); // the server has answered and ended its side
    const zeros = setInterval(() => conn.write(Buffer.alloc(4)), 10); // empty frames, forever
    t.after(() => clearInterval(zeros));
    const started = performance.now();
    await whenClosed(conn);
    const elapsed = performance.now() - started;
    assert.ok(elapsed > 500 && elapsed < 3000, `closed after ${elapsed} ms, not about 1000`);
  });

  test('stops reading a client that never reads its replies; once it does, every reply arrives', async (t) => {
    const maxUnsentBytes = 64 * 1024;
    // A unix socket, whose kernel buffers are small and fixed, so that the server's
    // replies back up after thousands of requests, not the hundred thousand of TCP's.
    const dir = mkdtempSync(join(tmpdir(), 'geerpc-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'rpc.sock');
    const { conns } = await startServer(t, { maxUnsentBytes }, path);
    const raw = await connectRaw(t, path);
    const cc = await handshake(raw);
    const [server] = conns as [net.Socket];
    // Send until the server stops reading us (its bytesRead stays put for three looks
    // while we still have bytes to send), however large the kernel's buffers are. Until
    // then, it must never queue much more than maxUnsentBytes of replies.
    let sent = 0;
    let lastRead = -1;
    for (let still = 0; still < 3; ) {
      if (raw.conn.writableLength < 256 * 1024) {
        for (let i = 0; i < 10_000; i++) cc.write(header(++sent), null);
      }
      await sleep(20);
      assert.ok(
        server.writableLength < maxUnsentBytes + 256 * 1024,
        `the server queued ${server.writableLength} bytes of replies`,
      );
      assert.ok(sent < 2_000_000, 'the server never stopped reading');
      still = server.bytesRead === lastRead && raw.conn.writableLength > 0 ? still + 1 : 0;
      lastRead = server.bytesRead;
    }
    for (let seq = 1; seq <= sent; seq++) {
      assert.equal((await cc.readHeader())?.seq, seq);
      assert.deepEqual(await cc.readBody(), expectedReply(seq, null));
    }
  });

  test("replies a client leaves unread count as in flight: past maxInFlightBytes, or the server's bytes, it is not read; a client that reads is", async (t) => {
    const [maxInFlightBytes, maxServerInFlightBytes] = [32 * 1024, 48 * 1024];
    const slack = 8 * 1024; // 16 replies (maxInFlight) a loop may read before one is written
    const dir = mkdtempSync(join(tmpdir(), 'geerpc-')); // a unix socket: small kernel buffers
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'rpc.sock');
    const options = { maxInFlight: 16, maxInFlightBytes, maxServerInFlightBytes };
    const { conns } = await startServer(t, options, path); // maxUnsentBytes stays at 1 MiB
    const unsent = () => conns.reduce((n, conn) => n + conn.writableLength, 0);
    // Sends until the server stops reading this client (its bytesRead stays put for three
    // looks while the client still has bytes to send), however large the kernel's buffers.
    async function sendUntilStopped(cc: Codec, raw: RawConn, server: net.Socket, bound: number) {
      let [sent, lastRead] = [0, -1];
      for (let still = 0; still < 3; ) {
        if (raw.conn.writableLength < 64 * 1024) {
          for (let i = 0; i < 2_000; i++) cc.write(header(++sent), null);
        }
        await sleep(20);
        assert.ok(unsent() < bound + slack, `the server queued ${unsent()} bytes of replies`);
        assert.ok(sent < 2_000_000, 'the server never stopped reading');
        still = server.bytesRead === lastRead && raw.conn.writableLength > 0 ? still + 1 : 0;
        lastRead = server.bytesRead;
      }
    }
    const [a, b] = [await connectRaw(t, path), await connectRaw(t, path)];
    const [ca, cb] = [await handshake(a), await handshake(b)];
    const [sa, sb] = conns as [net.Socket, net.Socket];
    await sendUntilStopped(ca, a, sa, maxInFlightBytes); // its own bound
    await sendUntilStopped(cb, b, sb, maxServerInFlightBytes); // then the server's
    // A client that reads its replies is still served, one request at a time at least.
    const reader = await handshake(await connectRaw(t, path));
    for (let seq = 1; seq <= 3; seq++) {
      reader.write(header(seq), 'still served');
      assert.deepEqual(await soon(reader.readHeader()), header(seq));
      assert.deepEqual(await reader.readBody(), expectedReply(seq, 'still served'));
    }
    // When a client leaves, its unsent replies stop counting: B's loop goes on with the
    // requests its reader holds, up to its own bound.
    const queuedForB = sb.writableLength;
    a.conn.destroy();
    for (let i = 0; i < 100 && sb.writableLength <= queuedForB; i++) await sleep(10);
    assert.ok(sb.writableLength > queuedForB, 'the replies of a client that left still count');
  });

  test('large frames nobody finishes hold at most maxBufferedBytes; small calls go on', async (t) => {
    const { port, logs } = await startServer(t, { maxBufferedBytes: 1024 * 1024 });
    const good = await connectRaw(t, port);
    const cc = await handshake(good);
    // Each staller announces a 1 MiB frame, sends 400 KiB of it, and stops. Those bytes
    // draw on the budget, so the third staller's take it past 1 MiB: it is refused.
    const stallers: RawConn[] = [];
    for (let i = 0; i < 3; i++) {
      const raw = await connectRaw(t, port);
      await handshake(raw);
      raw.conn.write(Buffer.concat([Buffer.of(0, 0x10, 0, 0), Buffer.alloc(400 * 1024)]));
      stallers.push(raw);
      await sleep(30); // in this order: the third is the one that crosses the line
    }
    const third = whenClosed(stallers[2]?.conn as net.Socket).then(() => 'closed');
    assert.equal(await Promise.race([third, sleep(2000, 'still open', { ref: false })]), 'closed');
    assert.match(logs.join('\n'), /past maxBufferedBytes \(1048576 bytes\)/);
    assert.equal(stallers[0]?.conn.destroyed, false, 'the first two still hold their share');
    // Small frames never draw on the budget: a client making calls is not the victim.
    cc.write(header(1), 'small');
    assert.deepEqual(await cc.readHeader(), header(1));
    assert.deepEqual(await cc.readBody(), expectedReply(1, 'small'));
    const late = await handshake(await connectRaw(t, port));
    late.write(header(2), 'also small');
    assert.deepEqual(await late.readHeader(), header(2));
  });

  test('past maxConnections, a new connection is closed before a byte of it is read', async (t) => {
    const { port } = await startServer(t, { maxConnections: 1 });
    const first = await connectRaw(t, port);
    assert.deepEqual(await sendOption(first), { error: '' });
    const second = await connectRaw(t, port);
    second.conn.write(encodeFrames(JSON.stringify(DEFAULT_OPTION)));
    assert.equal(await second.reader.read(), null, 'closed without an option reply');
  });
});
