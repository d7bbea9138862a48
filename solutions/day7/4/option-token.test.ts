/**
 * Day 7, exercise 4 (a token in the Option), its "done when": the right token calls, a
 * wrong or missing one fails `dial` with the server's reason, and a server without a
 * token serves everyone.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dial } from './client.ts';
import { DAY, startServer } from './test-helpers.ts';

const TOKEN = 's3cret-token';

describe(`${DAY}: exercise 4, a token in the Option`, () => {
  test('a client that sends the server its token calls as usual', async (t) => {
    const { port } = await startServer(t, { token: TOKEN });
    const client = await dial('tcp', `127.0.0.1:${port}`, { token: TOKEN });
    t.after(() => client.close());
    assert.deepEqual(await client.call('Foo.Sum', 1), { echo: 1 });
  });

  test('a wrong or missing token fails dial with the reason, and the server says why', async (t) => {
    const { port, logs } = await startServer(t, { token: TOKEN });
    const refusals = [
      [{ token: 'guess' }, 'wrong token'],
      [{ token: `${TOKEN}x` }, 'wrong token'], // the whole token, not a prefix of the guess
      [{ token: TOKEN.slice(0, -1) }, 'wrong token'],
      [{}, 'missing token'],
      [{ token: '' }, 'missing token'],
    ] as const;
    for (const [option, reason] of refusals) {
      await assert.rejects(dial('tcp', `127.0.0.1:${port}`, option), {
        name: 'RpcError',
        message: `rpc client: server refused the option: ${reason}`,
      });
    }
    assert.deepEqual(logs, [
      'rpc server: wrong token',
      'rpc server: wrong token',
      'rpc server: wrong token',
      'rpc server: missing token',
      'rpc server: missing token',
    ]);
  });

  test('a token that is not a string is refused, not a crash', async (t) => {
    const { port } = await startServer(t, { token: TOKEN });
    const option = { token: { length: 12 } } as unknown as { token: string };
    await assert.rejects(dial('tcp', `127.0.0.1:${port}`, option), /missing token/);
  });

  test('a server without a token serves everyone, with or without one', async (t) => {
    const { port } = await startServer(t);
    for (const option of [{}, { token: 'anything' }]) {
      const client = await dial('tcp', `127.0.0.1:${port}`, option);
      t.after(() => client.close());
      assert.deepEqual(await client.call('Foo.Sum', 2), { echo: 2 });
    }
  });
});
