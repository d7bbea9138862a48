/**
 * Tests of day 4's timeouts: dial's connect timeout, a caller's signal, the server's
 * handle timeout (exactly one response, and a signal for the handler), and the
 * handshake timeout. Added on day 4.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial, newClient } from './client.ts';
import { type Header, newCodecFuncMap } from './codec/codec.ts';
import { encodeFrames, whenClosed } from './codec/frame.ts';
import { TimeoutError } from './errors.ts';
import { DEFAULT_OPTION } from './server.ts';
import type { CallContext } from './service.ts';
import { Service } from './service.ts';
import { connectRaw, DAY, sendOption, startServer } from './test-helpers.ts';

/** A service whose method takes as long as it is asked to, and tells the test how it ended. */
class Slow {
  readonly ended: string[] = [];
  #onEnd: (() => void) | undefined;

  /** Resolves when a call to `wait` has ended, however it ended. */
  nextEnd(): Promise<void> {
    return new Promise((resolve) => {
      this.#onEnd = resolve;
    });
  }

  #release = () => {};
  readonly #released = new Promise<void>((resolve) => {
    this.#release = resolve;
  });

  /** Lets every `wait(-1)` finish. */
  release(): void {
    this.#release();
  }

  // Keeps working after the signal fires, as a careless handler would. -1: until released.
  async wait(ms: number, { signal }: CallContext): Promise<string> {
    await (ms < 0 ? this.#released : sleep(ms));
    this.ended.push(signal.aborted ? `late: ${(signal.reason as Error).message}` : 'in time');
    this.#onEnd?.();
    return `waited ${ms} ms`;
  }
}

async function served(t: TestContext, slow = new Slow(), option = {}) {
  const { server, port, logs } = await startServer(t);
  server.register(slow);
  const client = await dial('tcp', `127.0.0.1:${port}`, option);
  t.after(() => client.close());
  return { client, port, logs, slow };
}

/**
 * A listener that accepts connections and never says a word (or, with `accept`, only
 * accepts the option); closed when the test ends.
 */
async function silentListener(
  t: TestContext,
  accept = false,
): Promise<{ port: number; conns: net.Socket[]; first: Promise<net.Socket> }> {
  const conns: net.Socket[] = [];
  const listener = net.createServer((conn) => {
    conns.push(conn);
    conn.on('error', () => {});
    if (accept) conn.write(encodeFrames('{"error":""}'));
    conn.resume(); // reads (and drops) what it is sent, so that it notices when the peer goes
  });
  // The server's end of the first connection, whenever the listener sees it.
  const first = once(listener, 'connection').then(([conn]) => conn as net.Socket);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.after(async () => {
    for (const conn of conns) conn.destroy();
    await new Promise((resolve) => listener.close(resolve));
  });
  return { port: (listener.address() as net.AddressInfo).port, conns, first };
}

describe(`${DAY}: timeouts`, () => {
  test('dial rejects with TimeoutError when the server never answers the option', async (t) => {
    const { port, first } = await silentListener(t);
    const started = performance.now();
    await assert.rejects(dial('tcp', `127.0.0.1:${port}`, { connectTimeout: 50 }), (err) => {
      assert.ok(err instanceof TimeoutError);
      assert.equal(err.message, 'rpc client: connect timeout: expect within 50 ms');
      return true;
    });
    assert.ok(performance.now() - started < 500, 'within the limit and a small margin');
    await whenClosed(await first); // the client destroyed its socket
  });

  test('a call rejects with its signal reason, by timeout or by hand; the late reply is dropped', async (t) => {
    const { client, slow } = await served(t);
    await assert.rejects(client.call('Slow.wait', 60, { signal: AbortSignal.timeout(20) }), {
      name: 'TimeoutError',
    });
    const controller = new AbortController();
    const reason = new Error('the user went away');
    const call = client.call('Slow.wait', 60, { signal: controller.signal });
    controller.abort(reason);
    await assert.rejects(call, (err) => err === reason);
    assert.equal(client.pending, 0, 'given-up calls are no longer pending');
    while (slow.ended.length < 2) await slow.nextEnd(); // both late replies are on their way
    await sleep(10);
    assert.equal(await client.call('Slow.wait', 0), 'waited 0 ms', 'the client is in step');
  });

  test('a signal also bounds a call that waits for the server to read (backpressure)', async (t) => {
    const { port, conns } = await silentListener(t, true);
    const conn = net.connect(port, '127.0.0.1');
    await once(conn, 'connect');
    const client = await newClient(conn, { ...DEFAULT_OPTION });
    t.after(() => client.close());
    conns[0]?.pause(); // the server stops reading: our unsent bytes pile up
    const big = 'x'.repeat(512 * 1024);
    const stuck = Array.from({ length: 40 }, () => client.call('Foo.Sum', big).catch(() => {}));
    while (conn.writableLength <= 1024 * 1024) await sleep(10); // past the bound
    const started = performance.now();
    await assert.rejects(client.call('Foo.Sum', 1, { signal: AbortSignal.timeout(50) }), {
      name: 'TimeoutError',
    });
    assert.ok(performance.now() - started < 500, 'the signal ended the wait for drain');
    await client.close();
    await Promise.all(stuck);
  });

  test('an already-aborted signal fails the call before anything is sent', async (t) => {
    const { port, conns } = await startServer(t);
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    const [serverSide] = conns;
    const before = serverSide?.bytesRead;
    const reason = new Error('too late');
    await assert.rejects(
      client.call('Foo.Sum', 1, { signal: AbortSignal.abort(reason) }),
      (err) => err === reason,
    );
    await client.call('Foo.Sum', 'x'); // a call that is sent, to flush anything queued
    const oneRequest = encodeFrames(
      JSON.stringify({ serviceMethod: 'Foo.Sum', seq: 1, error: '' }),
      '"x"',
    );
    assert.equal((serverSide?.bytesRead ?? 0) - (before ?? 0), oneRequest.length);
  });

  test('past the handle timeout the client gets one error response, never a second', async (t) => {
    const slow = new Slow();
    const { port, server } = { ...(await startServer(t)) };
    server.register(slow);
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw, { handleTimeout: 30 }), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    const header = (seq: number): Header => ({ serviceMethod: 'Slow.wait', seq, error: '' });
    const ended = slow.nextEnd();
    cc.write(header(1), 80);
    const h = await cc.readHeader();
    assert.equal(h?.seq, 1);
    assert.equal(h?.error, 'rpc server: request handle timeout: expect within 30 ms');
    assert.equal(await cc.readBody(), null);
    await ended;
    assert.deepEqual(slow.ended, ['late: rpc server: request handle timeout: expect within 30 ms']);
    cc.write(header(2), 0);
    assert.equal(
      (await cc.readHeader())?.seq,
      2,
      'the next frame answers seq 2: none came for seq 1',
    );
    assert.equal(await cc.readBody(), 'waited 0 ms');
  });

  test('a handler that finishes in time never has its signal fired by the handle timeout', async (t) => {
    class Quick {
      readonly signals: AbortSignal[] = [];
      now(_args: unknown, { signal }: CallContext): string {
        this.signals.push(signal);
        return 'done';
      }
    }
    const quick = new Quick();
    const { server, port } = await startServer(t);
    server.register(quick);
    const client = await dial('tcp', `127.0.0.1:${port}`, { handleTimeout: 20 });
    t.after(() => client.close());
    assert.deepEqual(await Promise.all([1, 2, 3].map(() => client.call('Quick.now', null))), [
      'done',
      'done',
      'done',
    ]);
    await sleep(60); // three handle timeouts: a timer still running would have fired
    const fired = quick.signals.filter((signal) => signal.aborted).length;
    assert.equal(fired, 0, `${fired} finished handlers were told they had timed out`);
  });

  test('a connection that is reset aborts its handlers and clears their timers at once', async (t) => {
    const slow = new Slow();
    const { server, port, conns } = await startServer(t);
    server.register(slow);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw, { handleTimeout: 60_000 }), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    const ended = slow.nextEnd();
    cc.write({ serviceMethod: 'Slow.wait', seq: 1, error: '' }, -1);
    await sleep(20); // the handler is running, under a 60 s timer
    raw.conn.resetAndDestroy(); // the client is gone, not just done sending
    await whenClosed(conns[0] as net.Socket);
    slow.release();
    await ended;
    await new Promise(setImmediate);
    assert.deepEqual(slow.ended, ['late: rpc server: connection closed']);
    assert.ok(timers() <= before, 'the 60 s timer was cleared when the connection closed');
  });

  test('the server caps the handle timeout a client asks for', async (t) => {
    const { server, port } = await startServer(t, { maxHandleTimeout: 20 });
    server.register(new Slow());
    const client = await dial('tcp', `127.0.0.1:${port}`, { handleTimeout: 10_000 });
    t.after(() => client.close());
    await assert.rejects(client.call('Slow.wait', 60), /handle timeout: expect within 20 ms/);
    const unlimited = await dial('tcp', `127.0.0.1:${port}`, { handleTimeout: 0 });
    t.after(() => unlimited.close());
    await assert.rejects(unlimited.call('Slow.wait', 60), /handle timeout: expect within 20 ms/);
  });

  test('an option whose handleTimeout is not a number of ms is refused, saying what came', async (t) => {
    const { port } = await startServer(t);
    for (const [handleTimeout, got] of [
      ['100', '"100"'],
      [-1, '-1'],
      [2 ** 31, '2147483648'],
    ] as const) {
      const reply = await sendOption(await connectRaw(t, port), { handleTimeout });
      assert.equal(
        reply.error,
        `malformed option: handleTimeout must be a number of ms from 0 to 2147483647, got ${got}`,
      );
    }
  });

  test('a handler of two parameters (args, ctx) is published; one of three is not', () => {
    class Three {
      ok(_args: unknown, _ctx: CallContext) {}
      tooMany(_a: unknown, _b: unknown, _c: unknown) {}
    }
    assert.deepEqual([...new Service(new Three()).methods.keys()], ['ok']);
  });

  test('a connection that never finishes its option is closed; other clients are served', async (t) => {
    const { server, port, logs } = await startServer(t, { handshakeTimeout: 50 });
    server.register(new Slow());
    const slowpoke = await connectRaw(t, port);
    slowpoke.conn.write(Buffer.from([0, 0])); // half of a length prefix, then nothing
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    const closed = whenClosed(slowpoke.conn).then(() => true);
    const stillOpen = sleep(500, false, { ref: false }); // the limit and a small margin
    assert.ok(await Promise.race([closed, stillOpen]), 'still open 500 ms after a 50 ms limit');
    assert.match(logs.join('\n'), /handshake timeout: no option within 50 ms/);
    assert.equal(await client.call('Slow.wait', 0), 'waited 0 ms');
  });

  test('1,000 calls with their own short signals, half timing out, leave nothing pending', async (t) => {
    // A handle timeout too, so that the server starts (and must clear) a timer per call.
    const { client, slow } = await served(t, new Slow(), { handleTimeout: 1_000 });
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    // Odd calls wait until released, so their 50 ms signals fire; even calls answer at
    // once, with signals that never fire. Neither half depends on how fast the machine is.
    const outcomes = await Promise.allSettled(
      Array.from({ length: 1_000 }, (_, i) =>
        i % 2 === 0
          ? client.call('Slow.wait', 0, { signal: new AbortController().signal })
          : client.call('Slow.wait', -1, { signal: AbortSignal.timeout(50) }),
      ),
    );
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason.name] : []));
    assert.deepEqual(new Set(failures), new Set(['TimeoutError']));
    assert.equal(failures.length, 500);
    assert.equal(client.pending, 0);
    slow.release();
    while (slow.ended.length < 1_000) await slow.nextEnd();
    await new Promise(setImmediate); // the last handler's reply is still on its way out
    assert.equal(timers(), before, 'no timer of ours is left');
    assert.equal(await client.call('Slow.wait', 0), 'waited 0 ms');
  });
});
