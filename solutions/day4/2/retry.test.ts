/**
 * Day 4, exercise 2 ("Retries with a budget"): callWithRetry dials again after a lost
 * connection, never after the server's own error, and never once the signal has fired.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { dial } from './client.ts';
import { ServerError } from './errors.ts';
import { callWithRetry } from './retry.ts';
import { DAY, startServer } from './test-helpers.ts';

/** Drops the connection a call came on (the newest: each attempt dials its own) `drops` times. */
class Flaky {
  calls = 0;
  readonly #conns: net.Socket[];
  readonly #drops: number;
  constructor(conns: net.Socket[], drops: number) {
    this.#conns = conns;
    this.#drops = drops;
  }
  answer(n: number): number {
    if (++this.calls <= this.#drops) this.#conns.at(-1)?.destroy();
    return n * 2;
  }
  refuse(): never {
    throw new Error('no, and saying so');
  }
}

async function flaky(t: TestContext, drops: number) {
  const { server, port, conns } = await startServer(t);
  const service = new Flaky(conns, drops);
  server.register(service);
  let dials = 0;
  const connect = () => {
    dials++;
    return dial('tcp', `127.0.0.1:${port}`);
  };
  return { service, connect, dials: () => dials };
}

describe(`${DAY}: exercise 2, retries with a budget`, () => {
  test('two lost connections, then an answer: three dials', async (t) => {
    const { connect, dials } = await flaky(t, 2);
    assert.equal(await callWithRetry(connect, 'Flaky.answer', 21, { attempts: 3 }), 42);
    assert.equal(dials(), 3);
  });

  test('a server that always drops the call, under a 50 ms signal: TimeoutError within 300 ms', async (t) => {
    const { connect, dials } = await flaky(t, Number.POSITIVE_INFINITY);
    const start = performance.now();
    const signal = AbortSignal.timeout(50);
    await assert.rejects(
      callWithRetry(connect, 'Flaky.answer', 1, { attempts: 1_000_000, signal }),
      {
        name: 'TimeoutError',
      },
    );
    assert.ok(performance.now() - start < 300);
    assert.ok(dials() > 1);
  });

  test("the server's own error is an answer: one dial, no retry", async (t) => {
    const { connect, dials } = await flaky(t, 0);
    await assert.rejects(
      callWithRetry(connect, 'Flaky.refuse', null, { attempts: 3 }),
      ServerError,
    );
    assert.equal(dials(), 1);
  });

  test('the budget ends the retries: the last ShutdownError', async (t) => {
    const { connect, dials } = await flaky(t, Number.POSITIVE_INFINITY);
    await assert.rejects(callWithRetry(connect, 'Flaky.answer', 1, { attempts: 2 }), {
      name: 'ShutdownError',
    });
    assert.equal(dials(), 2);
  });
});
