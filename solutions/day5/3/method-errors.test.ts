/**
 * Exercise 5.3's "done when": the debug page counts error responses per method, in a
 * third column beside the calls.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import { describe, test } from 'node:test';
import { xDial } from './client.ts';
import { DEFAULT_DEBUG_PATH, Server } from './server.ts';
import type { CallContext } from './service.ts';
import { DAY } from './test-helpers.ts';

class Calc {
  sum(args: { a: number; b: number }): number {
    return args.a + args.b;
  }
  fail(): never {
    throw new Error('always fails');
  }
  async slow(_args: unknown, ctx: CallContext): Promise<void> {
    await once(ctx.signal, 'abort'); // runs until the server's handle timeout gives up
  }
}

describe(`${DAY}: exercise 3, errors per method`, () => {
  test('the page shows fail with 2 calls and 2 errors, sum with 3 calls and 0, slow timed out once', async (t) => {
    const server = new Server({ log: () => {} });
    server.register(new Calc());
    const httpServer = http.createServer();
    server.handleHTTP(httpServer);
    httpServer.listen(0, '127.0.0.1');
    await once(httpServer, 'listening');
    t.after(() => server.close());
    const { port } = httpServer.address() as net.AddressInfo;
    const client = await xDial(`http@127.0.0.1:${port}`, { handleTimeout: 50 });
    t.after(() => client.close());
    for (const n of [1, 2, 3]) assert.equal(await client.call('Calc.sum', { a: n, b: n }), 2 * n);
    for (let i = 0; i < 2; i++)
      await assert.rejects(client.call('Calc.fail', null), /always fails/);
    await assert.rejects(client.call('Calc.slow', null), /handle timeout/);

    const page = await (await fetch(`http://127.0.0.1:${port}${DEFAULT_DEBUG_PATH}`)).text();
    assert.match(page, /<th scope="col">Calls<\/th><th scope="col">Errors<\/th>/);
    assert.match(page, /<tr><td>fail<\/td><td>2<\/td><td>2<\/td><\/tr>/);
    assert.match(page, /<tr><td>sum<\/td><td>3<\/td><td>0<\/td><\/tr>/);
    assert.match(page, /<tr><td>slow<\/td><td>1<\/td><td>1<\/td><\/tr>/);
  });
});
