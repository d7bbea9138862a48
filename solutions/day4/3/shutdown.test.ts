/**
 * Done when (day 4, exercise 3): shutdown(ms) lets a call in progress finish and answer,
 * cuts off a handler that never ends after `ms`, and takes no new connection.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial } from './client.ts';
import { ShutdownError } from './errors.ts';
import { DAY, startServer } from './test-helpers.ts';

class Work {
  async take(ms: number): Promise<string> {
    await (ms < 0 ? new Promise(() => {}) : sleep(ms)); // -1: never ends
    return `took ${ms} ms`;
  }
}

async function served(t: TestContext) {
  const { server, port } = await startServer(t);
  server.register(new Work());
  const client = await dial('tcp', `127.0.0.1:${port}`);
  t.after(() => client.close());
  return { server, port, client };
}

describe(`${DAY}: graceful shutdown (exercise 3)`, () => {
  test('shutdown lets a call in progress finish and answer, then closes', async (t) => {
    const { server, client } = await served(t);
    const call = client.call('Work.take', 50);
    await sleep(10); // the server is handling it
    const started = performance.now();
    await server.shutdown(1000);
    assert.equal(await call, 'took 50 ms');
    assert.ok(performance.now() - started < 500, 'shutdown waited longer than the call');
  });

  test('shutdown cuts off a handler that never ends after its ms, and takes no new connection', async (t) => {
    const { server, port, client } = await served(t);
    const call = client.call('Work.take', -1);
    await sleep(10);
    const started = performance.now();
    const stopping = server.shutdown(100);
    await assert.rejects(dial('tcp', `127.0.0.1:${port}`));
    await stopping;
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 90 && elapsed < 300, `shutdown took ${elapsed} ms, not about 100`);
    await assert.rejects(call, ShutdownError);
  });
});
