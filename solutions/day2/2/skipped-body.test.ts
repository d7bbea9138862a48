/**
 * Day 2, exercise 2 ("Break the stream on purpose"), done by hand: read a header, skip
 * its body (what #receive would do with readBody() below the `continue`), and the next
 * "header" is that body. The day's client reads every body, and stays in step.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { CodecError, newCodecFuncMap } from './codec/codec.ts';
import { FrameReader, whenClosed } from './codec/frame.ts';
import { DAY } from './test-helpers.ts';

describe(`${DAY}: exercise 2, a stream out of step`, () => {
  test('a body left unread is taken for the next header, which is malformed', async (t) => {
    const listener = net.createServer((conn) => {
      const server = newCodecFuncMap['application/json'](conn, new FrameReader(conn));
      server.write({ serviceMethod: 'Foo.Sum', seq: 999, error: '' }, 'nobody asked');
      server.write({ serviceMethod: 'Foo.Sum', seq: 1, error: '' }, 'the real reply');
    });
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const conn = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
    t.after(async () => {
      conn.destroy();
      await whenClosed(conn);
      await new Promise((resolve) => listener.close(resolve));
    });
    const client = newCodecFuncMap['application/json'](conn, new FrameReader(conn));
    assert.equal((await client.readHeader())?.seq, 999); // nobody waits for seq 999...
    // ...and the body is not read: the next frame, '"nobody asked"', is read as a header.
    await assert.rejects(client.readHeader(), (err: Error) => {
      assert.ok(err instanceof CodecError);
      assert.match(err.message, /malformed header/);
      return true;
    });
  });
});
