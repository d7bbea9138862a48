/**
 * Tests of day 7's graceful shutdown: calls in flight finish, calls that come later get a
 * clear error response, the bound holds for a handler that never ends, and the server
 * leaves the registry. Added on day 7.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial } from './client.ts';
import { ServerError, ShutdownError } from './errors.ts';
import { GeeRegistry, heartbeat, registryRequest } from './registry/registry.ts';
import { SHUTTING_DOWN } from './server.ts';
import { DAY, startServer } from './test-helpers.ts';

/** A service whose `hold` calls wait until the test lets them go (or never, for `forever`). */
class Gate {
  entered = 0;
  #arrivals: Array<() => void> = [];
  #release!: () => void;
  readonly #open = new Promise<void>((resolve) => {
    this.#release = resolve;
  });
  #abort!: (reason: unknown) => void;
  /** Resolves with the reason of the first `forever` handler's signal, once it fires. */
  readonly aborted = new Promise<unknown>((resolve) => {
    this.#abort = resolve;
  });

  async hold(n: number): Promise<number> {
    this.#arrived();
    await this.#open;
    return n * 10;
  }

  forever(_: unknown, { signal }: { signal: AbortSignal }): Promise<never> {
    this.#arrived();
    signal.addEventListener('abort', () => this.#abort(signal.reason));
    return new Promise(() => {});
  }

  _release(): void {
    this.#release();
  }

  /** Resolves once `count` calls are inside a handler. */
  _entered(count: number): Promise<void> {
    if (this.entered >= count) return Promise.resolve();
    return new Promise((resolve) => this.#arrivals.push(() => this.entered >= count && resolve()));
  }

  #arrived(): void {
    this.entered++;
    for (const wake of this.#arrivals) wake();
  }
}

async function startGated(t: TestContext) {
  const gate = new Gate();
  const ts = await startServer(t);
  ts.server.register(gate);
  const client = async () => {
    const c = await dial('tcp', `127.0.0.1:${ts.port}`);
    t.after(() => c.close());
    return c;
  };
  return { ...ts, gate, client };
}

// Fails the test if `work` has not settled within `ms`: only a failing run waits for it.
async function settlesWithin<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  const timer = new AbortController();
  const late = sleep(ms, undefined, { signal: timer.signal }).then(() => {
    throw new Error(`${what} did not settle within ${ms} ms`);
  });
  late.catch(() => {}); // cancelled when work wins
  try {
    return await Promise.race([work, late]);
  } finally {
    timer.abort();
  }
}

describe(`${DAY}: graceful shutdown`, () => {
  test('loses no call in flight: every call held by a handler gets its reply', async (t) => {
    const { server, gate, client } = await startGated(t);
    const [a, b] = [await client(), await client()];
    const calls = [a, a, a, b, b, b].map((c, i) => c.call<number>('Gate.hold', i));
    await gate._entered(6);
    const shutting = server.shutdown();
    gate._release();
    assert.deepEqual(await Promise.all(calls), [0, 10, 20, 30, 40, 50]);
    await settlesWithin(2_000, shutting, 'shutdown');
    assert.equal(a.isAvailable() || b.isAvailable(), false); // then the server ended them
  });

  test('a call that arrives after shutdown began gets a clear error response, not a dropped connection', async (t) => {
    const { server, gate, client, port } = await startGated(t);
    const c = await client();
    const held = c.call<number>('Gate.hold', 1);
    await gate._entered(1);
    const shutting = server.shutdown();
    await assert.rejects(c.call('Foo.Sum', 2), (err: Error) => {
      assert.ok(err instanceof ServerError);
      assert.equal(err.message, SHUTTING_DOWN);
      return true;
    });
    assert.equal(c.isAvailable(), true); // the connection is still up for the held call
    await assert.rejects(dial('tcp', `127.0.0.1:${port}`), { code: 'ECONNREFUSED' });
    gate._release();
    assert.equal(await held, 10);
    await shutting;
  });

  test('keeps its bound: a handler that never finishes is cut off after the timeout', async (t) => {
    const { server, gate, client } = await startGated(t);
    const c = await client();
    const stuck = c.call('Gate.forever', null);
    await gate._entered(1);
    const started = performance.now();
    await settlesWithin(2_000, server.shutdown({ timeout: 50 }), 'shutdown');
    assert.ok(performance.now() - started >= 45);
    await assert.rejects(stuck, ShutdownError);
    // The handler is told, through its signal, that its connection is gone.
    const reason = await settlesWithin(2_000, gate.aborted, 'the handler signal');
    assert.match(String(reason), /connection closed/);
  });

  // A registry that accepts and never answers made a shutdown of 1 s take 20 s: the beat
  // in flight, then the DELETE, each waiting its own 10 s.
  test('keeps its bound when leaving the registry never finishes', async (t) => {
    const { server } = await startServer(t);
    const stuck = { stop: () => new Promise<void>(() => {}) };
    const started = performance.now();
    await settlesWithin(2_000, server.shutdown({ timeout: 50, leave: stuck }), 'shutdown');
    assert.ok(performance.now() - started >= 45);
  });

  test('closes the server even when leaving the registry throws', async (t) => {
    const { server, gate, client } = await startGated(t);
    const c = await client();
    const stuck = c.call('Gate.forever', null);
    await gate._entered(1);
    const broken = { stop: () => Promise.reject(new Error('registry gone')) };
    await assert.rejects(server.shutdown({ timeout: 50, leave: broken }), /registry gone/);
    // close() ran all the same: the connection of a handler that never ends is closed.
    await settlesWithin(2_000, assert.rejects(stuck, ShutdownError), 'the stuck call');
  });

  test('leaves the registry: stops the heartbeat and deletes itself', async (t) => {
    const { server, port } = await startServer(t);
    const registryServer = http.createServer();
    new GeeRegistry().handleHTTP(registryServer);
    registryServer.listen(0, '127.0.0.1');
    await once(registryServer, 'listening');
    t.after(() => new Promise((resolve) => registryServer.close(resolve)));
    const url = `http://127.0.0.1:${(registryServer.address() as AddressInfo).port}/_geerpc_/registry`;
    const listed = async () =>
      (await registryRequest(url, 'GET', { timeout: 1_000 })).get('x-geerpc-servers');
    const answered = new Promise<void>((resolve) =>
      registryServer.on('request', (_req, res: http.ServerResponse) => res.once('finish', resolve)),
    );
    const beat = heartbeat(url, `tcp@127.0.0.1:${port}`, 60_000);
    await answered; // its first POST
    assert.equal(await listed(), `tcp@127.0.0.1:${port}`);
    await server.shutdown({ leave: beat });
    assert.equal(await listed(), '');
  });
});
