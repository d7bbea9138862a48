/**
 * Day 4, exercise 1 ("A per-call timeout on the wire"): `{ timeout }` bounds a call on
 * both ends: the client gives up, and the server's handler sees its signal fire, with
 * no handleTimeout on the connection; exactly one response either way.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial } from './client.ts';
import { type Header, newCodecFuncMap } from './codec/codec.ts';
import type { CallContext } from './service.ts';
import { connectRaw, DAY, expectedReply, sendOption, startServer } from './test-helpers.ts';

/** Its one method waits for its signal, tells when it fired, then replies anyway (too late). */
class Watch {
  #fired: (at: number) => void = () => {};
  /** Resolves with the time (performance.now()) at which a call's signal fired. */
  readonly fired = new Promise<number>((resolve) => {
    this.#fired = resolve;
  });
  async wait(_args: unknown, { signal }: CallContext): Promise<string> {
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    this.#fired(performance.now());
    return 'a late reply, never sent';
  }
}

const header = (seq: number, serviceMethod: string, timeout?: unknown): Header =>
  ({ serviceMethod, seq, error: '', ...(timeout !== undefined && { timeout }) }) as Header;

describe(`${DAY}: exercise 1, a per-call timeout`, () => {
  test("the handler's signal fires 80-300 ms into a call made with { timeout: 80 }", async (t) => {
    const { server, port } = await startServer(t); // no handleTimeout
    const watch = new Watch();
    server.register(watch);
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    const start = performance.now();
    await assert.rejects(client.call('Watch.wait', null, { timeout: 80 }), {
      name: 'TimeoutError',
    });
    assert.equal(client.pending, 0);
    // Infinity if it has not fired 500 ms in: fail then, not at the runner's timeout.
    const ms = (await Promise.race([watch.fired, sleep(500, Infinity, { ref: false })])) - start;
    assert.ok(ms >= 79 && ms <= 300, `the handler's signal fired after ${ms} ms`);
    assert.deepEqual(await client.call('Foo.Sum', 1), expectedReply(2, 1)); // still in step
  });

  test('the server answers a timed-out request once, with an error, and never again', async (t) => {
    const { server, port } = await startServer(t);
    server.register(new Watch());
    const raw = await connectRaw(t, port);
    await sendOption(raw);
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    cc.write(header(1, 'Watch.wait', 80), null);
    // null if no answer came 500 ms in: fail then, not at the runner's timeout.
    const first = await Promise.race([cc.readHeader(), sleep(500, null, { ref: false })]);
    assert.equal(first?.seq, 1);
    assert.match(first?.error ?? '', /handle timeout: expect within 80 ms/);
    assert.equal(await cc.readBody(), null);
    cc.write(header(2, 'Foo.Sum'), 'next'); // the next response is this one's, not seq 1's again
    assert.equal((await cc.readHeader())?.seq, 2);
    assert.deepEqual(await cc.readBody(), expectedReply(2, 'next'));
  });

  test('a timeout that is not a number of ms from 1 to 2^31-1 gets an error response', async (t) => {
    const { port } = await startServer(t);
    const raw = await connectRaw(t, port);
    await sendOption(raw);
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    const bad = [0, -1, 2 ** 31, 1.5e300, 'soon', null, {}];
    for (const [i, timeout] of bad.entries()) cc.write(header(i + 1, 'Foo.Sum', timeout), 'x');
    for (let i = 0; i < bad.length; i++) {
      const h = await cc.readHeader();
      assert.equal(h?.seq, i + 1);
      assert.match(h?.error ?? '', /timeout must be a number of ms from 1 to 2147483647, got/);
      assert.equal(await cc.readBody(), null);
    }
  });
});
