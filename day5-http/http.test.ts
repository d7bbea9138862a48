/**
 * Tests of day 5: GeeRPC through HTTP CONNECT, the debug page, and xDial's addresses.
 * Added on day 5.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dialHTTP, xDial } from './client.ts';
import { type CodecType, encodings, type Header, newCodecFuncMap } from './codec/codec.ts';
import { encodeFrames, FrameReader, whenClosed } from './codec/frame.ts';
import { ShutdownError, TimeoutError } from './errors.ts';
import { DEFAULT_DEBUG_PATH, DEFAULT_OPTION, DEFAULT_RPC_PATH, Server } from './server.ts';
import { DAY, expectedReply, Foo, startHTTP, startServer } from './test-helpers.ts';

async function getPage(base: string): Promise<{ res: Response; page: string }> {
  const res = await fetch(base + DEFAULT_DEBUG_PATH);
  return { res, page: await res.text() };
}

/** A loopback socket that writes `bytes` at once, and reads the HTTP head that answers. */
async function rawConnect(t: TestContext, port: number, bytes: Buffer | string) {
  const conn = net.connect(port, '127.0.0.1');
  conn.on('error', () => {});
  t.after(() => {
    conn.destroy();
    return whenClosed(conn);
  });
  await once(conn, 'connect');
  conn.write(bytes);
  let received = Buffer.alloc(0);
  const closed = new Promise<never>((_, reject) => {
    conn.once('close', () => reject(new Error(`closed after ${received.length} bytes, no head`)));
  });
  closed.catch(() => {}); // it is only awaited while a head is read
  while (!received.includes('\r\n\r\n')) {
    const [chunk] = (await Promise.race([once(conn, 'data'), closed])) as [Buffer];
    received = Buffer.concat([received, chunk]);
  }
  conn.pause();
  const end = received.indexOf('\r\n\r\n') + 4;
  conn.unshift(received.subarray(end));
  return { conn, head: received.toString('latin1', 0, end) };
}

const CONNECT = `CONNECT ${DEFAULT_RPC_PATH} HTTP/1.0\r\n\r\n`;

describe(`${DAY}: HTTP`, () => {
  for (const codecType of Object.keys(encodings) as CodecType[]) {
    test(`serves RPC through CONNECT with ${codecType}`, async (t) => {
      const { port } = await startHTTP(t);
      const client = await xDial(`http@127.0.0.1:${port}`, { codecType });
      t.after(() => client.close());
      const replies = await Promise.all([1, 2, 3].map((n) => client.call('Foo.Sum', { n })));
      assert.deepEqual(
        replies,
        [1, 2, 3].map((n) => expectedReply(n, { n })),
      );
    });
  }

  test('answers a request sent in the same packet as the CONNECT (Node hands it over as head)', async (t) => {
    const { port } = await startHTTP(t);
    const codec = encodings['application/json'];
    const header: Header = { serviceMethod: 'Foo.Sum', seq: 7, error: '' };
    const packet = Buffer.concat([
      Buffer.from(CONNECT),
      encodeFrames(Buffer.from(JSON.stringify(DEFAULT_OPTION))),
      encodeFrames(codec.encode(header), codec.encode({ n: 7 })),
    ]);
    const { conn, head } = await rawConnect(t, port, packet);
    assert.equal(head, 'HTTP/1.0 200 Connected to Gee RPC\r\n\r\n');
    const reader = new FrameReader(conn);
    assert.deepEqual(JSON.parse(String(await reader.read())), { error: '' });
    const client = newCodecFuncMap['application/json'](conn, reader);
    assert.deepEqual(await client.readHeader(), header);
    assert.deepEqual(await client.readBody(), expectedReply(7, { n: 7 }));
  });

  test('answers 405 must CONNECT to GET and POST on the RPC path, 404 elsewhere', async (t) => {
    const { port, base } = await startHTTP(t);
    for (const method of ['GET', 'POST']) {
      const res = await fetch(base + DEFAULT_RPC_PATH, { method });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'CONNECT');
      assert.equal(await res.text(), '405 must CONNECT\n');
    }
    assert.equal((await fetch(`${base}/nothing-here`)).status, 404);
    const { head } = await rawConnect(t, port, 'CONNECT /elsewhere HTTP/1.0\r\n\r\n');
    assert.match(head, /^HTTP\/1\.0 404 /);
  });

  test('a CONNECT to another path, then a reset, costs the server nothing (it crashed once)', async (t) => {
    const { port } = await startHTTP(t);
    const { conn, head } = await rawConnect(t, port, 'CONNECT /nope HTTP/1.1\r\nHost: x\r\n\r\n');
    assert.match(head, /^HTTP\/1\.0 404 /);
    conn.resetAndDestroy();
    await sleep(20);
    const client = await xDial(`http@127.0.0.1:${port}`);
    t.after(() => client.close());
    assert.deepEqual(await client.call('Foo.Sum', 1), expectedReply(1, 1));
  });

  test('a refused CONNECT is let go once its client hangs up, even with 64 KiB unread behind it', async (t) => {
    const { port, httpServer } = await startHTTP(t);
    const packet = Buffer.concat([
      Buffer.from('CONNECT /nope HTTP/1.1\r\n\r\n'),
      Buffer.alloc(65536),
    ]);
    const { conn } = await rawConnect(t, port, packet);
    conn.resume();
    await whenClosed(conn); // our side is done; the server's socket must go too
    const open = () =>
      new Promise<number>((resolve) => httpServer.getConnections((_err, n) => resolve(n)));
    // Well within the second a client that never hangs up is given (the next test).
    for (let i = 0; i < 25 && (await open()) > 0; i++) await sleep(20);
    assert.equal(await open(), 0, 'the server still holds the socket');
  });

  test('a refused CONNECT whose client never hangs up is closed after a second', async (t) => {
    const { port } = await startHTTP(t);
    // allowHalfOpen: the client keeps its side open after the server's end, as an
    // attacker's would; a well-behaved socket would close at once.
    const conn = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    conn.on('error', () => {});
    t.after(() => conn.destroy());
    await once(conn, 'connect');
    conn.write('CONNECT /nope HTTP/1.1\r\n\r\n');
    conn.resume(); // read (and drop) the answer, so that its end can be seen
    await once(conn, 'end'); // the server has answered and ended its side
    const zeros = setInterval(() => conn.write(Buffer.alloc(4)), 10); // bytes, forever
    t.after(() => clearInterval(zeros));
    const started = performance.now();
    const closed = whenClosed(conn).then(() => true);
    const inTime = await Promise.race([closed, sleep(3000, false, { ref: false })]);
    const elapsed = performance.now() - started;
    conn.destroy(); // else a server that never lets go would hold up the test's clean-up
    assert.ok(inTime && elapsed > 500, `closed after ${elapsed} ms, not about 1000`);
  });

  test('a connection that never sends a byte is closed after the handshake timeout', async (t) => {
    const { port } = await startHTTP(t, [new Foo()], {}, { handshakeTimeout: 50 });
    const silent = net.connect(port, '127.0.0.1');
    silent.on('error', () => {});
    t.after(() => silent.destroy());
    const closed = whenClosed(silent).then(() => true);
    assert.ok(await Promise.race([closed, sleep(500, false, { ref: false })]), 'still open');
  });

  test('past maxConnections, a CONNECT is closed unanswered, and the connection held keeps working', async (t) => {
    const { port } = await startHTTP(t, [new Foo()], {}, { maxConnections: 1 });
    const held = await xDial(`http@127.0.0.1:${port}`);
    t.after(() => held.close());
    const connect = `CONNECT ${DEFAULT_RPC_PATH} HTTP/1.0\r\n\r\n`;
    await assert.rejects(rawConnect(t, port, connect), /closed after 0 bytes, no head/);
    await assert.rejects(
      xDial(`http@127.0.0.1:${port}`),
      /HTTP CONNECT failed: .*connection limit/,
    );
    assert.deepEqual(await held.call('Foo.Sum', 1), expectedReply(1, 1));
  });

  test('the debug page lists services and methods, with counts that move after calls', async (t) => {
    const { port, base } = await startHTTP(t);
    const before = await getPage(base);
    assert.equal(before.res.status, 200);
    assert.equal(before.res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(before.page, /<h2>Service Foo<\/h2>/);
    assert.match(before.page, /<td>Sum<\/td><td>0<\/td>/);
    assert.match(before.page, /RPC connections open<\/dt><dd>0</);

    const client = await xDial(`http@127.0.0.1:${port}`);
    t.after(() => client.close());
    await Promise.all([1, 2, 3].map((n) => client.call('Foo.Sum', n)));
    await assert.rejects(client.call('Foo.nope', 1));
    const after = await getPage(base);
    assert.match(after.page, /<td>Sum<\/td><td>3<\/td>/);
    assert.match(after.page, /RPC connections open<\/dt><dd>1</);
    assert.match(after.page, /Error responses<\/dt><dd>1</);
    assert.equal((await fetch(base + DEFAULT_DEBUG_PATH, { method: 'POST' })).status, 405);
  });

  test('the debug page escapes a service or method name that holds markup', async (t) => {
    class Evil {
      '<script>alert(1)</script>'(): number {
        return 1;
      }
    }
    Object.defineProperty(Evil, 'name', { value: '<img src=x onerror=alert(2)>' });
    const { base } = await startHTTP(t, [new Evil()]);
    const { res, page } = await getPage(base);
    assert.doesNotMatch(page, /<script>alert|<img/);
    assert.match(page, /Service &#60;img src=x onerror=alert\(2\)&#62;/);
    assert.match(page, /<td>&#60;script&#62;alert\(1\)&#60;\/script&#62;<\/td>/);
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  test('two servers in one process keep their own services and counts', async (t) => {
    class Bar {
      ping(): string {
        return 'pong';
      }
    }
    const one = await startHTTP(t, [new Foo()]);
    const two = await startHTTP(t, [new Bar()]);
    const client = await xDial(`http@127.0.0.1:${two.port}`);
    t.after(() => client.close());
    assert.equal(await client.call('Bar.ping', null), 'pong');
    await assert.rejects(client.call('Foo.Sum', 1), /can't find service Foo/);
    const pageOne = (await getPage(one.base)).page;
    const pageTwo = (await getPage(two.base)).page;
    assert.match(pageOne, /Service Foo/);
    assert.doesNotMatch(pageOne, /Service Bar/);
    assert.match(pageTwo, /<td>ping<\/td><td>1<\/td>/);
    assert.doesNotMatch(pageTwo, /Service Foo/);
  });

  test('handleHTTP refuses an HTTP server that already answers requests', () => {
    const server = new Server();
    assert.throws(
      () => server.handleHTTP(http.createServer(() => {})),
      /handleHTTP needs an HTTP server with no request handler/,
    );
  });

  test("a CONNECTed connection outlives the HTTP server's request timeouts", async (t) => {
    const { port } = await startHTTP(t, [new Foo()], {
      requestTimeout: 200,
      headersTimeout: 150, // long enough for the CONNECT itself on a loaded machine
      connectionsCheckingInterval: 10,
    });
    const client = await xDial(`http@127.0.0.1:${port}`);
    t.after(() => client.close());
    await sleep(400); // well past both: an HTTP request this slow would have been cut off
    assert.deepEqual(await client.call('Foo.Sum', 1), expectedReply(1, 1));
  });

  test('a CONNECTed connection drops the idle timeout it had as an HTTP one', async (t) => {
    // 150 ms: the CONNECT itself must land within it, even on a loaded machine.
    const { port, httpServer } = await startHTTP(t, [new Foo()], {}, { handshakeTimeout: 150 });
    const accepted: net.Socket[] = [];
    httpServer.on('connection', (conn: net.Socket) => accepted.push(conn));
    const client = await xDial(`http@127.0.0.1:${port}`);
    t.after(() => client.close());
    assert.equal(accepted[0]?.timeout, 0, 'GeeRPC bounds it from here on, not an idle timer');
    await sleep(400); // more than two idle timeouts of an HTTP connection that sends nothing
    assert.deepEqual(await client.call('Foo.Sum', 1), expectedReply(1, 1));
  });

  test('a CONNECT that reaches a closed server gets 503, not GeeRPC', async (t) => {
    const server = new Server({ log: () => {} });
    await server.close();
    const httpServer = http.createServer();
    server.handleHTTP(httpServer);
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    t.after(() => new Promise((resolve) => httpServer.close(resolve)));
    const { head } = await rawConnect(t, (httpServer.address() as net.AddressInfo).port, CONNECT);
    assert.match(head, /^HTTP\/1\.0 503 /);
  });

  test('close() does not wait for an HTTP request that a client never finishes', async (t) => {
    const { server, port } = await startHTTP(t);
    const slow = net.connect(port, '127.0.0.1');
    slow.on('error', () => {});
    t.after(() => slow.destroy());
    await once(slow, 'connect');
    slow.write('GET /debug/geerpc HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
    await sleep(20);
    // Without closeAllConnections, close() would wait for the requestTimeout (300 s).
    const closed = server.close().then(() => true);
    assert.ok(await Promise.race([closed, sleep(1000, false, { ref: false })]), 'still closing');
    await whenClosed(slow);
  });

  test('close() closes the HTTP server and the connections it handed over', async (t) => {
    const { server, httpServer, port } = await startHTTP(t);
    const client = await xDial(`http@127.0.0.1:${port}`);
    t.after(() => client.close());
    const pending = client.call('Foo.Sum', 1);
    await server.close();
    assert.equal(httpServer.listening, false);
    await pending.catch(() => {}); // answered or cut off: the race is the server's
    await assert.rejects(client.call('Foo.Sum', 2), ShutdownError);
  });
});

describe(`${DAY}: xDial and dialHTTP`, () => {
  test('xDial dials tcp, http and unix addresses', async (t) => {
    const tcp = await startServer(t);
    const viaHTTP = await startHTTP(t);
    const dir = await mkdtemp(join(tmpdir(), 'geerpc-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const sock = join(dir, 'geerpc.sock');
    await startServer(t, {}, sock);
    for (const rpcAddr of [
      `tcp@127.0.0.1:${tcp.port}`,
      `http@127.0.0.1:${viaHTTP.port}`,
      `unix@${sock}`,
    ]) {
      const client = await xDial(rpcAddr);
      assert.deepEqual(await client.call('Foo.Sum', rpcAddr), expectedReply(1, rpcAddr), rpcAddr);
      await client.close();
    }
  });

  test('xDial rejects a malformed address or an unknown protocol, showing the expected form', async () => {
    for (const rpcAddr of ['127.0.0.1:9999', '@127.0.0.1:9999', 'tcp@', '']) {
      await assert.rejects(xDial(rpcAddr), /bad rpcAddr .*want protocol@address: tcp@/, rpcAddr);
    }
    await assert.rejects(
      xDial('ftp@127.0.0.1:21'),
      /unknown protocol "ftp" .*want tcp, http, tls or unix/,
    );
    await assert.rejects(xDial('http@127.0.0.1'), /bad tcp address "127.0.0.1", want host:port/);
  });

  test('dialHTTP times out when the CONNECT gets no answer, and closes its socket', async (t) => {
    const silent = net.createServer((conn) => conn.resume());
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => new Promise<void>((resolve) => silent.close(() => resolve())));
    const [accepted] = await Promise.all([
      once(silent, 'connection') as Promise<[net.Socket]>,
      assert.rejects(
        dialHTTP('tcp', `127.0.0.1:${(silent.address() as net.AddressInfo).port}`, {
          connectTimeout: 50,
        }),
        (err: Error) => err instanceof TimeoutError && /connect timeout/.test(err.message),
      ),
    ]);
    await whenClosed(accepted[0]); // our socket was destroyed, so the peer sees it close
  });

  test('dialHTTP keeps the GeeRPC bytes that arrive with the answer to its CONNECT', async (t) => {
    // A server in a hurry: the option reply goes out in the same packet as the 200.
    const conns: net.Socket[] = [];
    const eager = net.createServer((conn) => {
      conns.push(conn);
      conn.once('data', () => {
        conn.write(
          Buffer.concat([
            Buffer.from('HTTP/1.0 200 Connected to Gee RPC\r\n\r\n'),
            encodeFrames(Buffer.from('{"error":""}')),
          ]),
        );
        const reader = new FrameReader(conn);
        void (async () => {
          await reader.read(); // the option
          const codec = newCodecFuncMap['application/json'](conn, reader);
          const h = await codec.readHeader();
          codec.write({ ...(h as Header), error: '' }, await codec.readBody());
        })().catch(() => {});
      });
    });
    eager.listen(0, '127.0.0.1');
    await once(eager, 'listening');
    t.after(() => {
      for (const conn of conns) conn.destroy(); // else close() would wait for them
      return new Promise<void>((resolve) => eager.close(() => resolve()));
    });
    const { port } = eager.address() as net.AddressInfo;
    const client = await dialHTTP('tcp', `127.0.0.1:${port}`, { connectTimeout: 1000 });
    t.after(() => client.close());
    assert.equal(await client.call('Echo.echo', 'kept'), 'kept');
  });

  test('http@ and tcp@ mixed up fail with an error that says so', async (t) => {
    const tcp = await startServer(t);
    const viaHTTP = await startHTTP(t);
    await assert.rejects(
      xDial(`http@127.0.0.1:${tcp.port}`),
      /HTTP CONNECT failed: .*for plain GeeRPC, use tcp@/,
    );
    await assert.rejects(
      xDial(`tcp@127.0.0.1:${viaHTTP.port}`),
      /length prefix reads "HTTP", so the peer speaks another protocol/,
    );
  });

  test('dialHTTP closes its socket when the CONNECT is refused, with no connect timeout too', async (t) => {
    const refusing = http.createServer();
    const accepted: net.Socket[] = [];
    refusing.on('connection', (conn: net.Socket) => accepted.push(conn));
    refusing.on('connect', (_req, conn: net.Socket) => {
      conn.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      conn.resume().on('end', () => conn.destroy()); // closes once the client has closed
    });
    refusing.listen(0, '127.0.0.1');
    await once(refusing, 'listening');
    t.after(() => {
      for (const conn of accepted) conn.destroy();
      return new Promise<void>((resolve) => refusing.close(() => resolve()));
    });
    const { port } = refusing.address() as net.AddressInfo;
    await assert.rejects(
      dialHTTP('tcp', `127.0.0.1:${port}`, { connectTimeout: 0 }),
      /unexpected HTTP response: 403 Forbidden/,
    );
    await whenClosed(accepted[0] as net.Socket); // the client's socket is gone
  });

  test('dialHTTP rejects an HTTP server that does not hand over the RPC path', async (t) => {
    const server = new Server({ log: () => {} });
    const httpServer = http.createServer();
    server.handleHTTP(httpServer, '/other-rpc-path');
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    t.after(() => server.close());
    await assert.rejects(
      dialHTTP('tcp', `127.0.0.1:${(httpServer.address() as net.AddressInfo).port}`),
      /unexpected HTTP response: 404 Not Found/,
    );
  });
});
