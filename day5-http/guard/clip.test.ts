/**
 * Tests of clip() at every place an error text quotes what a peer sent: a name, a magic
 * number, a timeout, an HTTP status text. Each is cut to 100 characters. Added on day 5,
 * once every one of them exists.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { dial, dialHTTP } from '../client.ts';
import { ServerError } from '../errors.ts';
import { connectRaw, DAY, sendOption, startServer } from '../test-helpers.ts';

const MB = 1 << 20;

describe(`${DAY}: clipped error texts`, () => {
  test('an ill-formed megabyte-long serviceMethod is quoted in at most 100 characters', async (t) => {
    const { port } = await startServer(t);
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    await assert.rejects(client.call('x'.repeat(MB), null), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.match(
        err.message,
        /^rpc server: service\/method request ill-formed: x{100}\.\.\. \(1048576 characters\)$/,
      );
      return true;
    });
  });

  test('a megabyte-long unknown service name is quoted in at most 100 characters', async (t) => {
    const { port } = await startServer(t);
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    await assert.rejects(client.call(`${'x'.repeat(MB)}.Sum`, null), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.match(
        err.message,
        /^rpc server: can't find service x{100}\.\.\. \(1048576 characters\)$/,
      );
      return true;
    });
  });

  test('a long non-numeric magic number is quoted in at most 100 characters', async (t) => {
    const { port } = await startServer(t);
    const reply = await sendOption(await connectRaw(t, port), { magicNumber: 'x'.repeat(900) });
    assert.match(reply.error, /^invalid magic number "x{99}\.\.\. \(902 characters\)$/);
  });

  test('a long handleTimeout string is quoted in at most 100 characters (server side)', async (t) => {
    const { port } = await startServer(t);
    const reply = await sendOption(await connectRaw(t, port), { handleTimeout: 'x'.repeat(900) });
    assert.match(reply.error, /got "x{99}\.\.\. \(902 characters\)$/);
  });

  test('a megabyte-long connectTimeout string is quoted in at most 100 characters (client side)', async () => {
    await assert.rejects(
      dial('tcp', '127.0.0.1:9', { connectTimeout: 'x'.repeat(MB) as unknown as number }),
      (err: Error) => {
        assert.ok(err.message.length < 250, `the error is ${err.message.length} characters`);
        return true;
      },
    );
  });

  test('a CONNECT answered with an 8 KB status text is quoted in at most 100 characters', async (t) => {
    const fake = net.createServer((conn) => {
      conn.on('error', () => {});
      conn.once('data', () => conn.end(`HTTP/1.0 200 ${'x'.repeat(8000)}\r\n\r\n`));
    });
    fake.listen(0, '127.0.0.1');
    await once(fake, 'listening');
    t.after(() => new Promise((r) => fake.close(r)));
    await assert.rejects(
      dialHTTP('tcp', `127.0.0.1:${(fake.address() as net.AddressInfo).port}`),
      (err: Error) => {
        assert.ok(err.message.length < 250, `the error is ${err.message.length} characters`);
        assert.match(err.message, /unexpected HTTP response: 200 x+\.\.\. \(8004 characters\)$/);
        return true;
      },
    );
  });
});
