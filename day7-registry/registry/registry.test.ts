/**
 * Tests of day 7's registry over real HTTP: registering, expiry, the error statuses,
 * leaving, and heartbeats that outlive timeouts and registry restarts. Added on day 7.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { REGISTRY_DEFAULTS } from '../guard/registry-options.ts';
import { DAY, startRegistry, stopRegistry, unhandledRejections } from '../test-helpers.ts';
import { advertisedAddr, GeeRegistry, heartbeat } from './registry.ts';

async function send(
  url: string,
  method: string,
  addr?: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const res = await fetch(url, {
    method,
    headers: addr === undefined ? headers : { ...headers, 'X-Geerpc-Server': addr },
  });
  await res.body?.cancel();
  return res;
}

async function list(url: string): Promise<string[]> {
  const servers = (await send(url, 'GET')).headers.get('X-Geerpc-Servers') ?? '';
  return servers === '' ? [] : servers.split(',');
}

/** Polls `ready` every 5 ms for at most a second. */
async function waitFor(ready: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200 && !(await ready()); i++) await sleep(5);
  assert.ok(await ready(), 'the condition never held');
}

describe(`${DAY}: registry`, () => {
  test('lists the servers that registered, sorted, and refreshes one that registers again', async (t) => {
    const { url } = await startRegistry(t);
    assert.deepEqual(await list(url), []);
    for (const addr of ['tcp@10.0.0.2:1', 'tcp@10.0.0.1:1', 'http@10.0.0.3:1', 'tcp@10.0.0.1:1']) {
      assert.equal((await send(url, 'POST', addr)).status, 200);
    }
    assert.deepEqual(await list(url), ['http@10.0.0.3:1', 'tcp@10.0.0.1:1', 'tcp@10.0.0.2:1']);
  });

  test('an expired server is never listed; one that beat in time is', async (t) => {
    const { url } = await startRegistry(t, 300);
    await send(url, 'POST', 'tcp@a:1');
    await send(url, 'POST', 'tcp@b:1');
    assert.deepEqual(await list(url), ['tcp@a:1', 'tcp@b:1']);
    await sleep(200);
    await send(url, 'POST', 'tcp@b:1'); // b beats again; a does not
    await sleep(200); // a was last heard 400 ms ago, b 200 ms ago
    assert.deepEqual(await list(url), ['tcp@b:1']);
    await sleep(150);
    assert.deepEqual(await list(url), []);
  });

  test('timeout 0 keeps a server forever', async (t) => {
    const { url } = await startRegistry(t, 0);
    await send(url, 'POST', 'tcp@a:1');
    await sleep(30);
    assert.deepEqual(await list(url), ['tcp@a:1']);
  });

  test('a server leaves at once with DELETE', async (t) => {
    const { url } = await startRegistry(t);
    await send(url, 'POST', 'tcp@a:1');
    await send(url, 'POST', 'tcp@b:1');
    assert.equal((await send(url, 'DELETE', 'tcp@a:1')).status, 200);
    assert.deepEqual(await list(url), ['tcp@b:1']);
  });

  test('500 for a POST without the header, 400 for a malformed address, 405 for other methods, 404 elsewhere', async (t) => {
    const { url } = await startRegistry(t);
    const noHeader = await fetch(url, { method: 'POST' });
    assert.equal(noHeader.status, 500);
    assert.equal(await noHeader.text(), '500 Internal Server Error: no X-Geerpc-Server header\n');
    for (const bad of ['10.0.0.1:1', 'tcp@a:1,tcp@b:1', 'ftp@a:1', `tcp@${'x'.repeat(300)}`]) {
      assert.equal((await send(url, 'POST', bad)).status, 400, bad);
    }
    const put = await send(url, 'PUT', 'tcp@a:1');
    assert.equal(put.status, 405);
    assert.equal(put.headers.get('allow'), 'GET, POST, DELETE');
    assert.equal((await send(url.replace('/registry', '/other'), 'GET')).status, 404);
    assert.deepEqual(await list(url), [], 'nothing bad was registered');
  });

  test('the list stays under maxListBytes (one header fetch() can read); known servers may still beat', async (t) => {
    const { url } = await startRegistry(t);
    const addr = (i: number) => `tcp@${'a'.repeat(190)}.${String(i).padStart(3, '0')}:1`;
    let i = 0;
    while (i < 100 && (await send(url, 'POST', addr(i))).status === 200) i++; // 62 fit
    assert.equal(i, Math.floor(REGISTRY_DEFAULTS.maxListBytes / (addr(0).length + 1)));
    assert.equal((await send(url, 'POST', addr(0))).status, 200, 'a known server may beat');
    const listed = (await send(url, 'GET')).headers.get('X-Geerpc-Servers') ?? '';
    assert.ok(listed.length <= REGISTRY_DEFAULTS.maxListBytes);
    await send(url, 'DELETE', addr(0));
    assert.equal((await send(url, 'POST', addr(i))).status, 200, 'room again after a DELETE');
  });

  test('odd request targets and non-ASCII addresses cost nothing (one crashed the registry)', async (t) => {
    const { url, port } = await startRegistry(t);
    for (const target of ['//', '//[', 'http://[::1', 'http://a:b@/']) {
      const conn = net.connect(port, '127.0.0.1');
      conn.on('error', () => {});
      await once(conn, 'connect');
      conn.end(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const [chunk] = (await once(conn, 'data')) as [Buffer];
      assert.match(chunk.toString(), /^HTTP\/1\.1 (400|404) /, target);
      conn.destroy();
    }
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'X-Geerpc-Server': 'tcp@h\u00e9:1' },
    });
    assert.equal(res.status, 400);
    await res.body?.cancel();
    assert.deepEqual(await list(url), []);
  });

  test("a successful answer has an empty body, as GeeRPC's (its clients never close bodies)", async (t) => {
    const { url } = await startRegistry(t);
    for (const [method, addr] of [['POST', 'tcp@a:1'], ['GET'], ['DELETE', 'tcp@a:1']]) {
      const res = await fetch(url, {
        method,
        headers: addr === undefined ? {} : { 'X-Geerpc-Server': addr },
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-length'), '0', method);
      assert.equal(await res.text(), '');
    }
  });

  // new GeeRegistry(ms, { token: process.env.TOKEN }) with TOKEN='' opened the registry.
  test('an empty or unprintable token is refused where it is given, not taken for none', () => {
    for (const token of ['', ' ', 'a b', 'é', 'a\nb']) {
      assert.throws(() => new GeeRegistry(1000, { token }), /token is 1 or more printable/);
      assert.throws(
        () => heartbeat('http://127.0.0.1:1/', 'tcp@127.0.0.1:1', 100, { token }),
        /token/,
      );
    }
  });

  test('with a token, a POST or DELETE without it gets 401 and changes nothing; GET stays open', async (t) => {
    const { url } = await startRegistry(t, undefined, { token: 's3cret' });
    const right = { authorization: 'Bearer s3cret' };
    assert.equal((await send(url, 'POST', 'tcp@a:1', right)).status, 200);
    const wrongs: Record<string, string>[] = [
      {},
      { authorization: 'Bearer s3cre' },
      { authorization: 's3cret' },
    ];
    for (const wrong of wrongs) {
      assert.equal((await send(url, 'POST', 'tcp@evil:1', wrong)).status, 401);
      assert.equal((await send(url, 'DELETE', 'tcp@a:1', wrong)).status, 401);
    }
    const noHeader = await fetch(url, { method: 'POST' });
    assert.equal(noHeader.status, 401, 'the token is checked before anything else');
    await noHeader.body?.cancel();
    assert.deepEqual(await list(url), ['tcp@a:1'], 'GET needs no token');
  });

  test('lists one spelling of each server: a port with a leading zero or a decimal point, or a host or path spelled otherwise, is refused', async (t) => {
    const { url } = await startRegistry(t);
    for (const odd of [
      'tcp@127.0.0.1:08080',
      'tcp@127.0.0.1:8080.0',
      'tcp@127.0.0.01:8080',
      'tcp@h:0',
      'tcp@h:65536',
      'tcp@:80',
      'tcp@0x7f.0.0.1:8080',
      'tcp@LOCALHOST:8080',
      'tcp@[::ffff:127.0.0.1]:8080',
      'unix@/tmp//a.sock',
    ]) {
      assert.equal((await send(url, 'POST', odd)).status, 400, odd);
    }
    for (const fine of [
      'tcp@127.0.0.1:8080',
      'http@[::1]:80',
      'tcp@host.example:1',
      'unix@/tmp/a.sock',
    ]) {
      assert.equal((await send(url, 'POST', fine)).status, 200, fine);
    }
  });

  test('closes a connection that sends nothing, as day 5 does (Node would keep it 56-80 s)', () => {
    const httpServer = http.createServer();
    new GeeRegistry().handleHTTP(httpServer);
    assert.equal(httpServer.timeout, REGISTRY_DEFAULTS.idleTimeout);
  });

  test('bounds a request that trickles in: headers and a whole request within 10 s, not 60 and 300', () => {
    const httpServer = http.createServer();
    new GeeRegistry().handleHTTP(httpServer);
    assert.equal(httpServer.headersTimeout, REGISTRY_DEFAULTS.idleTimeout);
    assert.equal(httpServer.requestTimeout, REGISTRY_DEFAULTS.idleTimeout);
  });

  test('refuses a timeout that is not 0 (never) or more ms', () => {
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => new GeeRegistry(bad), /timeout must be 0 \(never\) or more ms/);
    }
  });

  test('refuses an HTTP server that already has a request handler: two would answer one request', () => {
    const taken = http.createServer((_req, res) => res.end());
    assert.throws(
      () => new GeeRegistry().handleHTTP(taken),
      /handleHTTP needs an HTTP server with no request handler/,
    );
  });

  test('advertises an address a client can dial, and refuses to guess for [::]', async (t) => {
    const listener = net.createServer();
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    t.after(() => new Promise<void>((resolve) => listener.close(() => resolve())));
    const { port } = listener.address() as AddressInfo;
    assert.equal(advertisedAddr(listener), `tcp@127.0.0.1:${port}`);
    const everywhere = net.createServer();
    everywhere.listen(0);
    await once(everywhere, 'listening');
    t.after(() => new Promise<void>((resolve) => everywhere.close(() => resolve())));
    assert.throws(() => advertisedAddr(everywhere), /listens on every interface/);
  });
});

describe(`${DAY}: heartbeat`, () => {
  test('keeps a server listed past several timeouts, and stop() makes it leave', async (t) => {
    const registry = await startRegistry(t, 60);
    const beat = heartbeat(registry.url, 'tcp@a:1', 20, { requestTimeout: 1000 });
    t.after(() => beat.stop());
    await sleep(200); // more than three timeouts
    assert.deepEqual(await list(registry.url), ['tcp@a:1']);
    await beat.stop();
    assert.deepEqual(await list(registry.url), [], 'it left at once');
    const sent = registry.requests.filter((r) => r !== 'GET').length;
    await sleep(60);
    assert.equal(registry.requests.filter((r) => r !== 'GET').length, sent, 'no beat after stop()');
    const { requests } = registry;
    assert.ok(requests.lastIndexOf('POST tcp@a:1') < requests.indexOf('DELETE tcp@a:1'));
  });

  test('a failed beat is logged, and the beats go on: a restarted registry hears from it again', async (t) => {
    const first = await startRegistry(t, 1000);
    const logs: string[] = [];
    const beat = heartbeat(first.url, 'tcp@a:1', 20, {
      requestTimeout: 1000, // generous: this test is about refused beats, not slow ones
      log: (m) => logs.push(m),
    });
    t.after(() => beat.stop());
    await waitFor(async () => (await list(first.url)).length === 1);
    await stopRegistry(first.httpServer);
    await waitFor(() => logs.length >= 2);
    assert.match(
      logs.at(-1) as string,
      /^rpc registry: POST http:\/\/127\.0\.0\.1:\d+\/_geerpc_\/registry failed: fetch failed: connect ECONNREFUSED .*; next heartbeat in 20 ms$/,
    );

    // A new registry on the same port knows nothing, until the next beat.
    const second = await startRegistry(t, 1000, {}, first.port);
    await waitFor(async () => (await list(second.url)).includes('tcp@a:1'));
  });

  test('a log function that throws costs the beats nothing, and the process nothing', async (t) => {
    t.mock.method(console, 'error', () => {});
    const rejections = unhandledRejections(t);
    const probe = await startRegistry(t);
    await stopRegistry(probe.httpServer); // every beat fails, and is logged
    let logged = 0;
    const beat = heartbeat(probe.url, 'tcp@a:1', 20, {
      log: () => {
        logged++;
        throw new Error('disk full');
      },
    });
    t.after(() => beat.stop());
    await waitFor(() => logged >= 2); // a second failure: the first did not stop the beats
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(rejections, []);
  });

  test('a failed beat is tried again after a second, not a whole interval later', async (t) => {
    const probe = await startRegistry(t);
    const { port } = probe;
    await stopRegistry(probe.httpServer); // nobody listens there, for now
    const logs: string[] = [];
    const url = probe.url;
    const beat = heartbeat(url, 'tcp@a:1', 60_000, { log: (m) => logs.push(m) });
    t.after(() => beat.stop());
    await waitFor(() => logs.length === 1);
    assert.match(logs[0] as string, /next heartbeat in 1000 ms$/);
    const again = await startRegistry(t, undefined, {}, port);
    for (let i = 0; i < 40 && (await list(again.url)).length === 0; i++) await sleep(50);
    assert.deepEqual(await list(again.url), ['tcp@a:1']);
  });

  test('a registry that redirects is a failed beat, not a POST turned into a GET', async (t) => {
    const real = await startRegistry(t);
    const moved = http.createServer((_req, res) => {
      res.writeHead(301, { location: real.url }).end();
    });
    moved.listen(0, '127.0.0.1');
    await once(moved, 'listening');
    t.after(() => stopRegistry(moved));
    const logs: string[] = [];
    const url = `http://127.0.0.1:${(moved.address() as AddressInfo).port}/_geerpc_/registry`;
    const beat = heartbeat(url, 'tcp@a:1', 60_000, { log: (m) => logs.push(m) });
    await waitFor(() => logs.length >= 1);
    await beat.stop();
    assert.match(logs[0] as string, /POST .* failed: .*redirect/);
    assert.deepEqual(await list(real.url), []);
  });

  test('each beat has a time limit: a registry that never answers costs one beat, not all', async (t) => {
    const silent = net.createServer((conn) => conn.resume()); // accepts, never answers
    const conns: net.Socket[] = [];
    silent.on('connection', (conn) => conns.push(conn));
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    t.after(() => {
      for (const conn of conns) conn.destroy();
      return new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/_geerpc_/registry`;
    const logs: string[] = [];
    const beat = heartbeat(url, 'tcp@a:1', 20, { requestTimeout: 30, log: (m) => logs.push(m) });
    await waitFor(() => logs.length >= 2);
    assert.match(logs[0] as string, /POST .* failed: .*timeout/i);
    const stopped = beat.stop(); // its DELETE times out too, within requestTimeout
    await stopped;
    assert.ok(logs.some((m) => /DELETE .* failed/.test(m)));
  });

  test("with the registry's token, beats list the server and stop() removes it; without, they fail", async (t) => {
    const registry = await startRegistry(t, undefined, { token: 's3cret' });
    const logs: string[] = [];
    const wrong = heartbeat(registry.url, 'tcp@b:1', 60_000, { log: (m) => logs.push(m) });
    const beat = heartbeat(registry.url, 'tcp@a:1', 20, { token: 's3cret', log: () => {} });
    t.after(() => Promise.all([beat.stop(), wrong.stop()]));
    await waitFor(async () => (await list(registry.url)).length === 1);
    await waitFor(() => logs.length >= 1);
    assert.match(logs[0] as string, /POST .* failed: answered 401 Unauthorized/);
    await beat.stop();
    assert.deepEqual(await list(registry.url), []);
  });

  test('refuses an interval that a timer cannot keep', () => {
    assert.throws(() => heartbeat('http://127.0.0.1:1/', 'tcp@a:1', 0), /interval must be 1 to/);
    assert.throws(() => heartbeat('http://127.0.0.1:1/', 'tcp@a:1', 2 ** 31), /interval/);
  });
});
