/**
 * Tests of the server: the handshake and its refusals, pipelined requests, bad bytes
 * that must cost only their own connection, and close(). Added on day 1.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { type CodecType, encodings, type Header, newCodecFuncMap } from './codec/codec.ts';
import { encodeFrames } from './codec/frame.ts';
import { MAGIC_NUMBER, Server } from './server.ts';
import {
  connectRaw,
  DAY,
  expectedReply,
  type RawConn,
  sendOption,
  startServer,
} from './test-helpers.ts';

const header = (seq: number): Header => ({ serviceMethod: 'Foo.Sum', seq, error: '' });

// Resolves when the server has closed the connection (we read everything up to its end).
async function closedByServer(raw: RawConn): Promise<void> {
  assert.equal(await raw.reader.read(), null);
}

describe(`${DAY}: server`, () => {
  for (const codecType of Object.keys(encodings) as CodecType[]) {
    test(`answers every request, pipelined, with its own reply (${codecType})`, async (t) => {
      const { port } = await startServer(t);
      const raw = await connectRaw(t, port);
      assert.deepEqual(await sendOption(raw, { codecType }), { error: '' });
      const cc = newCodecFuncMap[codecType](raw.conn, raw.reader);
      for (let seq = 1; seq <= 5; seq++) cc.write(header(seq), `geerpc req ${seq}`);
      for (let seq = 1; seq <= 5; seq++) {
        assert.deepEqual(await cc.readHeader(), header(seq));
        assert.deepEqual(await cc.readBody(), expectedReply(seq, `geerpc req ${seq}`));
      }
    });
  }

  test('serves requests pipelined behind the option, before its reply is read', async (t) => {
    const { port } = await startServer(t);
    const raw = await connectRaw(t, port);
    const { encode } = encodings['application/json'];
    const option = Buffer.from(
      JSON.stringify({ magicNumber: MAGIC_NUMBER, codecType: 'application/json' }),
    );
    // Option and a request in one write: nothing the server buffers may be lost.
    raw.conn.write(encodeFrames(option, encode(header(7)), encode('hi')));
    assert.deepEqual(JSON.parse(String(await raw.reader.read())), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    assert.equal((await cc.readHeader())?.seq, 7);
    assert.deepEqual(await cc.readBody(), expectedReply(7, 'hi'));
  });

  const refusals = [
    ['a wrong magic number', { magicNumber: 0x1234 }, 'invalid magic number 0x1234'],
    ['an unknown codec', { codecType: 'application/xml' }, 'unsupported codec application/xml'],
  ] as const;
  for (const [what, option, reason] of refusals) {
    test(`refuses ${what} with a reply that names it, then closes`, async (t) => {
      const { port, logs } = await startServer(t);
      const raw = await connectRaw(t, port);
      assert.deepEqual(await sendOption(raw, option), { error: reason });
      await closedByServer(raw);
      assert.deepEqual(logs, [`rpc server: ${reason}`]);
    });
  }

  test('refuses a malformed option with a reply that says so, then closes', async (t) => {
    const { port } = await startServer(t);
    for (const payload of ['{"magicNumber": 39', '[1, 2]', 'null']) {
      const raw = await connectRaw(t, port);
      raw.conn.write(encodeFrames(Buffer.from(payload)));
      const reply = JSON.parse(String(await raw.reader.read()));
      assert.match(reply.error, /^malformed option: /, payload);
      await closedByServer(raw);
    }
  });

  test('refuses a 4 GiB frame without allocating it, and keeps serving other clients', async (t) => {
    const { port, logs } = await startServer(t);
    const bad = await connectRaw(t, port);
    assert.deepEqual(await sendOption(bad), { error: '' });
    bad.conn.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await once(bad.conn, 'close');
    assert.match(logs.join('\n'), /4294967295 bytes exceeds maxFrameSize/);

    const good = await connectRaw(t, port);
    assert.deepEqual(await sendOption(good), { error: '' });
    const cc = newCodecFuncMap['application/json'](good.conn, good.reader);
    cc.write(header(1), null);
    assert.equal((await cc.readHeader())?.seq, 1);
    assert.deepEqual(await cc.readBody(), expectedReply(1, null));
  });

  // The request loop reads a request whose frames are here at once (tryRead), and waits for
  // one whose body has not come yet (readRequest): both must answer alike, one reply each.
  test('a body that does not decode costs its request alone, whether its frames came together or apart', async (t) => {
    const { port } = await startServer(t);
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    const { encode } = encodings['application/json'];
    const good = (seq: number) => [encode(header(seq)), encode(null)];
    // Replies come in the order their handlers finish (day 3 on), so they are matched by seq.
    const replies = async (count: number) => {
      const bySeq = new Map<number, [string, unknown]>();
      for (let i = 0; i < count; i++) {
        const h = await cc.readHeader();
        bySeq.set(h?.seq ?? 0, [h?.error ?? '', await cc.readBody()]);
      }
      return [...bySeq.entries()].sort(([a], [b]) => a - b);
    };
    const bad = /^rpc server: cannot decode args: /;
    raw.conn.write(
      encodeFrames(
        ...good(1),
        encode(header(2)),
        Buffer.from('{not'),
        ...good(3),
        encode(header(4)),
      ),
    );
    const first = await replies(3);
    assert.deepEqual(
      first.map(([seq]) => seq),
      [1, 2, 3],
    );
    assert.deepEqual(first[0]?.[1], ['', expectedReply(1, null)]);
    assert.match(first[1]?.[1][0] ?? '', bad);
    assert.deepEqual(first[2]?.[1], ['', expectedReply(3, null)]);
    raw.conn.write(encodeFrames(Buffer.from('{not'), ...good(5)));
    const second = await replies(2);
    assert.match(second[0]?.[1][0] ?? '', bad);
    assert.deepEqual(second[1], [5, ['', expectedReply(5, null)]]);
  });

  test('closes a connection that sends garbage, and only that one', async (t) => {
    const { port, logs } = await startServer(t);
    const good = await connectRaw(t, port);
    assert.deepEqual(await sendOption(good), { error: '' });
    const bad = await connectRaw(t, port);
    assert.deepEqual(await sendOption(bad), { error: '' });
    bad.conn.write(encodeFrames(Buffer.from('this is not JSON'), Buffer.from('"body"')));
    await once(bad.conn, 'close');
    assert.match(logs.join('\n'), /rpc server: closing connection: cannot decode/);

    const cc = newCodecFuncMap['application/json'](good.conn, good.reader);
    cc.write(header(3), null);
    assert.equal((await cc.readHeader())?.seq, 3);
    assert.deepEqual(await cc.readBody(), expectedReply(3, null));
  });

  test('honours a smaller maxFrameSize, and says which setting to raise', async (t) => {
    const { port, logs } = await startServer(t, { maxFrameSize: 100 });
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    cc.write(header(1), 'x'.repeat(200));
    await closedByServer(raw);
    assert.match(
      logs.join('\n'),
      /exceeds maxFrameSize \(100 bytes\); raise the maxFrameSize option/,
    );
  });

  test('close() resolves with a client still connected, and closes that client', async (t) => {
    const { server, port } = await startServer(t);
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw), { error: '' });
    const clientClosed = once(raw.conn, 'close');
    await server.close();
    await clientClosed;
    await server.close(); // a second close is harmless
    const refused = net.connect(port, '127.0.0.1');
    const [err] = await once(refused, 'error');
    assert.equal((err as NodeJS.ErrnoException).code, 'ECONNREFUSED');
  });

  test('a connection handed to a closed server is closed at once', async () => {
    const server = new Server({ log: () => {} });
    await server.close();
    const listener = net.createServer((conn) => void server.serveConn(conn));
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const conn = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
    await once(conn, 'close');
    await new Promise((resolve) => listener.close(resolve));
  });
});
