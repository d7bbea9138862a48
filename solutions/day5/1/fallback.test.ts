/**
 * Exercise 5.1's "done when": your pages beside GeeRPC's on one port. A fallback given
 * to handleHTTP answers the paths GeeRPC does not; the debug page and CONNECT still work.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { xDial } from './client.ts';
import { DEFAULT_DEBUG_PATH, type HttpHandler, Server } from './server.ts';
import { DAY, Foo } from './test-helpers.ts';

/** A GeeRPC server behind an HTTP server on a free loopback port; closed when the test ends. */
async function startHTTP(t: TestContext, fallback?: HttpHandler): Promise<number> {
  const server = new Server({ log: () => {} });
  server.register(new Foo());
  const httpServer = http.createServer();
  server.handleHTTP(httpServer, undefined, undefined, fallback);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  t.after(() => server.close());
  return (httpServer.address() as net.AddressInfo).port;
}

describe(`${DAY}: exercise 1, a fallback for other paths`, () => {
  test('serves GET /health from the fallback; the page and CONNECT still work on that port', async (t) => {
    const port = await startHTTP(t, (req, res) => {
      if (req.url === '/health') res.end('ok');
      else res.writeHead(404).end('not mine');
    });
    const base = `http://127.0.0.1:${port}`;
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok');
    const page = await fetch(base + DEFAULT_DEBUG_PATH);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<h2>Service Foo<\/h2>/);
    const client = await xDial(`http@127.0.0.1:${port}`);
    t.after(() => client.close());
    assert.deepEqual(await client.call('Foo.Sum', 1), { echo: 1 });
  });

  test('an unknown path still gets 404 without a fallback', async (t) => {
    const port = await startHTTP(t);
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    assert.equal(res.status, 404);
    assert.match(await res.text(), /^404 page not found/);
  });
});
