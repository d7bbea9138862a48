/**
 * Exercise 5.2's "done when": the debug page's figures as JSON at `/debug/geerpc.json`,
 * and the HTML page unchanged.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { describe, test } from 'node:test';
import { xDial } from './client.ts';
import { DEFAULT_DEBUG_PATH, Server } from './server.ts';
import { DAY, Foo } from './test-helpers.ts';

describe(`${DAY}: exercise 2, the debug figures as JSON`, () => {
  test('reads the count of Foo.Sum from /debug/geerpc.json after two calls; the page is unchanged', async (t) => {
    const server = new Server({ log: () => {} });
    server.register(new Foo());
    const httpServer = http.createServer();
    server.handleHTTP(httpServer);
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    t.after(() => server.close());
    const { port } = httpServer.address() as net.AddressInfo;
    const client = await xDial(`http@127.0.0.1:${port}`);
    t.after(() => client.close());
    await client.call('Foo.Sum', 1);
    await client.call('Foo.Sum', 2);

    const base = `http://127.0.0.1:${port}${DEFAULT_DEBUG_PATH}`;
    const res = await fetch(`${base}.json`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json');
    const figures = (await res.json()) as {
      connections: number;
      services: Record<string, Record<string, { numCalls: number }>>;
    };
    assert.equal(figures.services.Foo.Sum.numCalls, 2);
    assert.equal(figures.connections, 1);

    const page = await fetch(base);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await page.text(), /<td>Sum<\/td><td>2<\/td>/);
    assert.equal((await fetch(`${base}.json`, { method: 'POST' })).status, 405);
  });
});
