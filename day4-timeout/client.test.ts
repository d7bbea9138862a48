/**
 * Tests of the client: many calls on one connection, replies in any order, errors,
 * lost connections, close(), and dial's failures. Added on day 2; day 4 added what
 * must be undone when a dial or a call ends: the connect timer, the signal's listener.
 */
import assert from 'node:assert/strict';
import { getEventListeners, once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep, setImmediate as tick } from 'node:timers/promises';
import { type Client, dial, newClient } from './client.ts';
import { type Codec, type CodecType, type Header, newCodecFuncMap } from './codec/codec.ts';
import { encodeFrames, FrameReader, whenClosed } from './codec/frame.ts';
import { RpcError, ServerError, ShutdownError } from './errors.ts';
import { MAX_VALUES } from './guard/depth.ts';
import { DEFAULT_OPTION, MAGIC_NUMBER } from './server.ts';
import { DAY, expectedReply, startServer } from './test-helpers.ts';

async function dialed(t: TestContext, port: number, option = {}): Promise<Client> {
  const client = await dial('tcp', `127.0.0.1:${port}`, option);
  t.after(() => client.close());
  return client;
}

/**
 * A scripted server, made from the day's codec: it accepts any option, then hands the
 * connection to `script`, which reads requests and answers them however the test needs.
 */
async function startScriptedServer(
  t: TestContext,
  script: (codec: Codec, conn: net.Socket) => Promise<void>,
): Promise<number> {
  const conns = new Set<net.Socket>();
  const listener = net.createServer(async (conn) => {
    conns.add(conn);
    conn.on('error', () => {});
    const reader = new FrameReader(conn);
    try {
      await reader.read();
      conn.write(encodeFrames(Buffer.from('{"error":""}')));
      await script(newCodecFuncMap['application/json'](conn, reader), conn);
    } catch {
      // the client went away mid-script: nothing to do
    }
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.after(async () => {
    for (const conn of conns) conn.destroy();
    await Promise.all([...conns].map(whenClosed));
    await new Promise((resolve) => listener.close(resolve));
  });
  return (listener.address() as net.AddressInfo).port;
}

async function readRequests(codec: Codec, count: number): Promise<[Header, unknown][]> {
  const requests: [Header, unknown][] = [];
  while (requests.length < count) {
    const h = await codec.readHeader();
    if (h === null) break;
    requests.push([h, await codec.readBody()]);
  }
  return requests;
}

const reply = (h: Header, error = ''): Header => ({ ...h, error });

/** A listener that accepts connections and never answers; closed when the test ends. */
async function silentListener(
  t: TestContext,
): Promise<{ port: number; first: Promise<net.Socket> }> {
  const conns: net.Socket[] = [];
  const listener = net.createServer((conn) => {
    conns.push(conn);
    conn.on('error', () => {});
    conn.resume(); // reads, so that it sees the client leave
  });
  const first = once(listener, 'connection').then(([conn]) => conn as net.Socket);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.after(() => {
    for (const conn of conns) conn.destroy();
    return new Promise((resolve) => listener.close(resolve));
  });
  return { port: (listener.address() as net.AddressInfo).port, first };
}

// Whether `conn` closes within `ms`: a socket left open fails a test at once, not by a hang.
function closesWithin(conn: net.Socket, ms: number): Promise<boolean> {
  return Promise.race([whenClosed(conn).then(() => true), sleep(ms).then(() => false)]);
}

describe(`${DAY}: client`, () => {
  test('200 concurrent calls on one client each get their own reply', async (t) => {
    const { port } = await startServer(t);
    const client = await dialed(t, port);
    const calls = Array.from({ length: 200 }, (_, i) => client.go('Foo.Sum', `geerpc req ${i}`));
    await Promise.all(calls.map((call) => call.done));
    assert.deepEqual(new Set(calls.map((call) => call.seq)).size, 200);
    for (const call of calls) {
      assert.equal(call.error, undefined);
      assert.deepEqual(call.reply, expectedReply(call.seq, call.args));
    }
  });

  test('replies that arrive in any order reach the call that asked', async (t) => {
    const port = await startScriptedServer(t, async (codec) => {
      const requests = await readRequests(codec, 200);
      for (const [h, body] of requests.reverse()) codec.write(reply(h), `echo ${body}`);
    });
    const client = await dialed(t, port);
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) => client.call('Echo.echo', i)),
    );
    assert.deepEqual(
      replies,
      Array.from({ length: 200 }, (_, i) => `echo ${i}`),
    );
  });

  for (const codecType of ['application/msgpack', 'application/yaml'] satisfies CodecType[]) {
    test(`calls work with ${codecType}`, async (t) => {
      const { port } = await startServer(t);
      const client = await dialed(t, port, { codecType });
      assert.deepEqual(await client.call('Foo.Sum', 'x'), expectedReply(1, 'x'));
    });
  }

  test("rejects with ServerError carrying the server's text verbatim", async (t) => {
    const port = await startScriptedServer(t, async (codec) => {
      const [[h]] = await readRequests(codec, 1);
      codec.write(reply(h, '100% failed: %s %d'), null);
      await readRequests(codec, 1);
    });
    const client = await dialed(t, port);
    await assert.rejects(client.call('Foo.Sum', 1), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.ok(err instanceof RpcError);
      assert.equal(err.message, '100% failed: %s %d');
      return true;
    });
    assert.ok(client.isAvailable(), 'an error reply does not break the connection');
  });

  test("a ServerError's stack names the line that made the call", async (t) => {
    const port = await startScriptedServer(t, async (codec) => {
      const [[h]] = await readRequests(codec, 1);
      codec.write(reply(h, 'no'), null);
      await readRequests(codec, 1);
    });
    const client = await dialed(t, port);
    const err = await client.call('Foo.Sum', 1).catch((e: Error) => e);
    assert.ok(err instanceof ServerError);
    assert.match(err.stack ?? '', /client\.test\.ts/);
  });

  test('a reply whose body does not decode fails its call alone; the connection lives on', async (t) => {
    const port = await startScriptedServer(t, async (codec, conn) => {
      const [[first], [second]] = await readRequests(codec, 2);
      const header = Buffer.from(JSON.stringify(reply(first)));
      conn.write(encodeFrames(header, Buffer.from('{not json')));
      codec.write(reply(second), 'fine');
      await readRequests(codec, 1);
    });
    const client = await dialed(t, port);
    const [bad, good] = [client.call('Foo.Sum', 1), client.call('Foo.Sum', 2)];
    await assert.rejects(bad, { name: 'RpcError', message: /cannot decode reply/ });
    assert.equal(await good, 'fine');
    assert.ok(client.isAvailable());
  });

  // The receive loop reads a response whose frames are here at once (tryRead), and waits for
  // one still arriving (readResponse): both must reach their calls alike.
  test('replies that arrive a byte at a time reach their calls; one that does not decode fails alone', async (t) => {
    const port = await startScriptedServer(t, async (codec, conn) => {
      const [[first], [second]] = await readRequests(codec, 2);
      const wire = encodeFrames(
        Buffer.from(JSON.stringify(reply(first))),
        Buffer.from('{not json'),
        Buffer.from(JSON.stringify(reply(second))),
        Buffer.from('"fine"'),
      );
      for (const byte of wire) {
        conn.write(Buffer.from([byte]));
        await tick();
      }
      await readRequests(codec, 1);
    });
    const client = await dialed(t, port);
    const [bad, good] = [client.call('Foo.Sum', 1), client.call('Foo.Sum', 2)];
    await assert.rejects(bad, { name: 'RpcError', message: /cannot decode reply/ });
    assert.equal(await good, 'fine');
    assert.ok(client.isAvailable());
  });

  test('a reply of more than MAX_VALUES values fails its call before it is decoded; the connection lives on', async (t) => {
    const port = await startScriptedServer(t, async (codec, conn) => {
      const [[first], [second]] = await readRequests(codec, 2);
      const header = Buffer.from(JSON.stringify(reply(first)));
      conn.write(encodeFrames(header, Buffer.from(`[${'0,'.repeat(MAX_VALUES + 1)}0]`)));
      codec.write(reply(second), 'fine');
      await readRequests(codec, 1);
    });
    const client = await dialed(t, port);
    const [bad, good] = [client.call('Foo.Sum', 1), client.call('Foo.Sum', 2)];
    await assert.rejects(bad, { name: 'RpcError', message: /more than 100000 values/ });
    assert.equal(await good, 'fine');
    assert.ok(client.isAvailable());
  });

  test('stops sending while the server reads nothing; every call completes once it reads', async (t) => {
    let count = 0; // known once the test has stopped calling
    let serverConn: net.Socket | undefined;
    let resume = () => {};
    const reading = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const port = await startScriptedServer(t, async (codec, conn) => {
      serverConn = conn;
      conn.pause(); // a server that stops reading: TCP's window fills, then our buffer would
      await reading;
      conn.resume();
      for (const [h, body] of await readRequests(codec, count)) codec.write(reply(h), body);
    });
    const conn = net.connect(port, '127.0.0.1');
    await once(conn, 'connect');
    const client = await newClient(conn, { ...DEFAULT_OPTION });
    t.after(() => client.close());
    const args = 'x'.repeat(10_000);
    const calls: Promise<unknown>[] = [];
    const send = (n: number) => {
      for (let i = 0; i < n; i++) calls.push(client.call('Foo.Sum', args));
    };
    // Call until our writes back up (three looks in a row), however much the kernel's
    // buffers take; then 3 MB more, which only the client itself could hold.
    for (let backedUp = 0; backedUp < 3; backedUp = conn.writableLength > 0 ? backedUp + 1 : 0) {
      send(100);
      await sleep(10);
      assert.ok(calls.length < 20_000, 'the server never stopped reading');
    }
    send(300);
    await sleep(50);
    assert.ok(serverConn !== undefined);
    assert.ok(
      conn.writableLength < 2 * 1024 * 1024,
      `the client buffered ${conn.writableLength} bytes`,
    );
    count = calls.length;
    resume();
    assert.equal((await Promise.all(calls)).length, count);
  });

  test('drops a reply for a seq that is not pending, and stays in step', async (t) => {
    const port = await startScriptedServer(t, async (codec) => {
      const [[h]] = await readRequests(codec, 1);
      codec.write({ ...reply(h), seq: 999 }, 'nobody asked');
      codec.write(reply(h), 'the real reply');
      await readRequests(codec, 1);
    });
    const client = await dialed(t, port);
    assert.equal(await client.call('Foo.Sum', 1), 'the real reply');
  });

  test('when the server drops the connection, every pending call fails with ShutdownError', async (t) => {
    const port = await startScriptedServer(t, async (codec, conn) => {
      await readRequests(codec, 3);
      conn.resetAndDestroy(); // an abrupt end: the client sees ECONNRESET
    });
    const client = await dialed(t, port);
    const results = await Promise.allSettled([1, 2, 3].map((i) => client.call('Foo.Sum', i)));
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      const err = result.reason as ShutdownError;
      assert.ok(err instanceof ShutdownError);
      assert.match(err.message, /^rpc client: connection lost: /);
      assert.equal((err.cause as NodeJS.ErrnoException).code, 'ECONNRESET');
    }
    assert.equal(client.isAvailable(), false);
    await assert.rejects(client.call('Foo.Sum', 4), ShutdownError);
  });

  test('when the server closes cleanly with calls pending, they fail with ShutdownError', async (t) => {
    const port = await startScriptedServer(t, async (codec, conn) => {
      await readRequests(codec, 2);
      conn.end();
    });
    const client = await dialed(t, port);
    const results = await Promise.allSettled([1, 2].map((i) => client.call('Foo.Sum', i)));
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof ShutdownError);
      assert.equal(result.reason.message, 'rpc client: connection closed by the server');
    }
  });

  test('close() fails pending calls with ShutdownError, and a second close() is harmless', async (t) => {
    const port = await startScriptedServer(t, (codec) => readRequests(codec, 10).then(() => {}));
    const client = await dial('tcp', `127.0.0.1:${port}`);
    const pending = [client.call('Foo.Sum', 1), client.call('Foo.Sum', 2)];
    await sleep(10); // let the requests leave
    await client.close();
    for (const result of await Promise.allSettled(pending)) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof ShutdownError);
      assert.equal(result.reason.message, 'rpc client: connection is shut down');
    }
    assert.equal(client.isAvailable(), false);
    await client.close();
    await assert.rejects(client.call('Foo.Sum', 3), /connection is shut down/);
  });

  test('close() does not wait for a server that has stopped reading', async (t) => {
    const port = await startScriptedServer(t, () => new Promise(() => {})); // reads nothing
    const client = await dial('tcp', `127.0.0.1:${port}`);
    const big = 'x'.repeat(1 << 20);
    // 32 MiB: far more than the socket buffers on both ends can hold.
    const calls = Array.from({ length: 32 }, () => client.call('Foo.Sum', big));
    await client.close();
    for (const result of await Promise.allSettled(calls)) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof ShutdownError);
    }
  });

  test('a call whose args cannot be encoded fails alone; the client keeps working', async (t) => {
    const { port } = await startServer(t);
    const client = await dialed(t, port);
    await assert.rejects(client.call('Foo.Sum', Symbol('x')), /rpc client: cannot encode args/);
    assert.deepEqual(await client.call('Foo.Sum', 'ok'), expectedReply(2, 'ok'));
  });

  test("dial rejects with the server's reason when the codec is refused", async (t) => {
    const { port } = await startServer(t);
    const option = { codecType: 'application/xml' as CodecType };
    await assert.rejects(dial('tcp', `127.0.0.1:${port}`, option), {
      name: 'RpcError',
      message: 'rpc client: server refused the option: unsupported codec application/xml',
    });
    await assert.rejects(
      dial('tcp', `127.0.0.1:${port}`, { magicNumber: 1 }),
      /invalid magic number 0x1/,
    );
  });

  test("dial leaves the caller's option and DEFAULT_OPTION as they were", async (t) => {
    const { port } = await startServer(t);
    const option = { codecType: 'application/msgpack' as const };
    await dialed(t, port, option);
    assert.deepEqual(option, { codecType: 'application/msgpack' });
    assert.deepEqual(DEFAULT_OPTION, {
      magicNumber: MAGIC_NUMBER,
      codecType: 'application/json',
      connectTimeout: 10_000,
      handleTimeout: 0,
    });
  });

  test('dial takes an option field given as undefined to mean its default', async (t) => {
    const { port } = await startServer(t);
    const client = await dialed(t, port, { codecType: undefined });
    assert.deepEqual(await client.call('Foo.Sum', 'json'), expectedReply(1, 'json'));
  });

  test('dial rejects with the connection error when nothing listens', async () => {
    const listener = net.createServer().listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const { port } = listener.address() as net.AddressInfo;
    await new Promise((resolve) => listener.close(resolve));
    await assert.rejects(dial('tcp', `127.0.0.1:${port}`), { code: 'ECONNREFUSED' });
  });

  test('dial rejects when the peer is not a GeeRPC server', async (t) => {
    const listener = net.createServer((conn) => {
      conn.resume(); // read, so that this socket sees the client leave and closes
      conn.end('HTTP/1.1 400 Bad Request\r\n\r\n');
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    t.after(() => new Promise((resolve) => listener.close(resolve)));
    const address = `127.0.0.1:${(listener.address() as net.AddressInfo).port}`;
    await assert.rejects(dial('tcp', address), {
      name: 'RpcError',
      message: /^rpc client: bad option reply: frame of 1213486160 bytes exceeds maxFrameSize/,
    });
  });

  test('dial rejects a malformed address with a clear error', async () => {
    await assert.rejects(dial('tcp', 'localhost'), /bad tcp address "localhost", want host:port/);
    await assert.rejects(dial('tcp', 'localhost:http'), /bad tcp address/);
  });

  test('a dial that times out closes its socket at once', async (t) => {
    const { port, first } = await silentListener(t);
    await assert.rejects(dial('tcp', `127.0.0.1:${port}`, { connectTimeout: 30 }), {
      name: 'TimeoutError',
    });
    assert.ok(await closesWithin(await first, 500), 'the server still sees the client');
  });

  test('a dial that succeeds clears its connect timer', async (t) => {
    const { port } = await startServer(t);
    // The timer is unref()ed, and once dial has resolved its rejection would land on a
    // settled race: nothing shows whether it was cleared but the timer calls themselves.
    const started = t.mock.method(globalThis, 'setTimeout');
    const cleared = t.mock.method(globalThis, 'clearTimeout');
    await dialed(t, port, { connectTimeout: 7_777 });
    const timers = started.mock.calls.filter((c) => c.arguments[1] === 7_777);
    assert.equal(timers.length, 1, 'dial started one timer of connectTimeout ms');
    const timer = timers[0]?.result;
    assert.ok(
      cleared.mock.calls.some((c) => c.arguments[0] === timer),
      'and cleared it once the handshake was done',
    );
  });

  test('a call takes its listener off its signal however it ends', async (t) => {
    const port = await startScriptedServer(t, async (codec) => {
      const [[first]] = await readRequests(codec, 1);
      codec.write(reply(first as Header), 'answered');
      const [[second]] = await readRequests(codec, 1);
      codec.write(reply(second as Header, 'refused'), null);
      await readRequests(codec, 1); // the third is never answered
    });
    const client = await dialed(t, port);
    const { signal } = new AbortController(); // one long-lived signal for every call
    const given = { signal: AbortSignal.timeout(30) };
    assert.equal(await client.call('Foo.Sum', 1, { signal }), 'answered');
    await assert.rejects(client.call('Foo.Sum', 2, { signal }), { name: 'ServerError' });
    const third = client.call('Foo.Sum', 3, given);
    assert.equal(getEventListeners(given.signal, 'abort').length, 1, 'hooked while pending');
    await assert.rejects(third, { name: 'TimeoutError' });
    await assert.rejects(client.call('Foo.Sum', Symbol('x'), { signal }), /cannot encode/);
    assert.equal(getEventListeners(signal, 'abort').length, 0);
    assert.equal(getEventListeners(given.signal, 'abort').length, 0);
    await client.close();
  });

  test("a stub's method takes a signal, as call() does", async (t) => {
    const port = await startScriptedServer(t, async (codec) => {
      await readRequests(codec, 1); // and never answers
    });
    const client = await dialed(t, port);
    const foo = client.stub<{ Sum(args: string): string }>('Foo');
    const called = foo.Sum('x', { signal: AbortSignal.timeout(20) }).catch((err) => err.name);
    const ignored = sleep(500).then(() => 'the signal was not passed on');
    assert.equal(await Promise.race([called, ignored]), 'TimeoutError');
    assert.equal(client.pending, 0);
  });

  test('works over a unix socket', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'geerpc-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'geerpc.sock');
    await startServer(t, {}, path);
    const client = await dial('unix', path);
    t.after(() => client.close());
    assert.deepEqual(await client.call('Foo.Sum', 'over unix'), expectedReply(1, 'over unix'));
  });

  test('dial names the connection limit when a server closes a new connection unread', async (t) => {
    const { port } = await startServer(t, { maxConnections: 1 });
    const first = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => first.close());
    await assert.rejects(dial('tcp', `127.0.0.1:${port}`), /connection limit, or not GeeRPC/);
  });
});
