/**
 * Day 4, exercise 4: interceptors around the client's `call`. A log, a counter and a
 * default deadline are the examples; a refusal and a retry show what else a link of the
 * chain may do.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { type Client, dial } from './client.ts';
import { type ClientInterceptor, defaultDeadline } from './interceptor.ts';
import type { CallContext } from './service.ts';
import { DAY, startServer } from './test-helpers.ts';

class Hang {
  // Never answers: it ends only when its signal fires (here: when the connection closes).
  forever(_args: unknown, { signal }: CallContext): Promise<never> {
    return new Promise((_, reject) => {
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
  }
}

class Flaky {
  calls = 0;
  once(): string {
    if (++this.calls === 1) throw new Error('try again');
    return `answered on call ${this.calls}`;
  }
}

async function dialed(t: TestContext, ...interceptors: ClientInterceptor[]) {
  const { server, port } = await startServer(t);
  const flaky = new Flaky();
  server.register(new Hang());
  server.register(flaky);
  const client: Client = await dial('tcp', `127.0.0.1:${port}`);
  t.after(() => client.close());
  for (const interceptor of interceptors) client.use(interceptor);
  return { client, flaky };
}

// Without a deadline of its own, a broken chain would leave the test waiting forever.
async function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

// The log and the counter of the exercise: each sees every call once, whatever its end.
function observed() {
  const log: string[] = [];
  const counts = new Map<string, { calls: number; errors: number }>();
  const logCalls: ClientInterceptor = async (inv, next) => {
    const start = performance.now();
    try {
      const reply = await next(inv);
      log.push(`${inv.serviceMethod} ok`);
      return reply;
    } catch (err) {
      log.push(`${inv.serviceMethod} ${(err as Error).name} after ${performance.now() - start} ms`);
      throw err;
    }
  };
  const countCalls: ClientInterceptor = async (inv, next) => {
    const count = counts.get(inv.serviceMethod) ?? { calls: 0, errors: 0 };
    counts.set(inv.serviceMethod, count);
    count.calls++;
    return next(inv).catch((err: unknown) => {
      count.errors++;
      throw err;
    });
  };
  return { log, counts, logCalls, countCalls };
}

describe(`${DAY}: client interceptors (exercise 4)`, () => {
  test('interceptors run around every call, stubs too, the first added outermost', async (t) => {
    const trace: string[] = [];
    const traced =
      (name: string): ClientInterceptor =>
      async (inv, next) => {
        trace.push(`${name}> ${inv.serviceMethod}`);
        const reply = await next(inv);
        trace.push(`<${name}`);
        return reply;
      };
    const { client } = await dialed(t, traced('outer'), traced('inner'));
    assert.deepEqual(await client.call('Foo.Sum', 1), { echo: 1 });
    assert.deepEqual(await client.stub<{ Sum(n: number): unknown }>('Foo').Sum(2), { echo: 2 });
    assert.deepEqual(trace, [
      'outer> Foo.Sum',
      'inner> Foo.Sum',
      '<inner',
      '<outer',
      'outer> Foo.Sum',
      'inner> Foo.Sum',
      '<inner',
      '<outer',
    ]);
  });

  test('a call with no signal gets the default deadline; the log and the counter see it once', async (t) => {
    const { log, counts, logCalls, countCalls } = observed();
    const { client } = await dialed(t, logCalls, countCalls, defaultDeadline(50));
    const started = performance.now();
    await assert.rejects(within(1_000, client.call('Hang.forever', null)), {
      name: 'TimeoutError',
    });
    const took = performance.now() - started;
    assert.ok(took >= 45 && took < 1_000, `gave up after ${took} ms, want about 50`);
    assert.equal(client.pending, 0, 'the call given up on is no longer pending');
    assert.equal(log.length, 1);
    assert.match(log[0] ?? '', /^Hang\.forever TimeoutError after \d/);
    assert.deepEqual([...counts], [['Hang.forever', { calls: 1, errors: 1 }]]);
  });

  test("a caller's own signal is kept: the default deadline adds one only where none was given", async (t) => {
    const seen: (AbortSignal | undefined)[] = [];
    const spy: ClientInterceptor = (inv, next) => {
      seen.push(inv.options.signal);
      return next(inv);
    };
    const { client } = await dialed(t, defaultDeadline(10_000), spy);
    const mine = new AbortController().signal;
    await client.call('Foo.Sum', 1, { signal: mine });
    await client.call('Foo.Sum', 2);
    assert.equal(seen[0], mine);
    assert.ok(seen[1] instanceof AbortSignal && seen[1] !== mine, 'a deadline of its own');
  });

  test('an interceptor may refuse a call, which is then never sent', async (t) => {
    const { client, flaky } = await dialed(t, async (inv, next) => {
      if (inv.serviceMethod.startsWith('Flaky.')) throw new Error('not from this client');
      return next(inv);
    });
    await assert.rejects(client.call('Flaky.once', null), /^Error: not from this client$/);
    assert.equal(flaky.calls, 0, 'the server never saw it');
    assert.deepEqual(await client.call('Foo.Sum', 3), { echo: 3 }, 'other calls go on');
  });

  test('an interceptor may call next again: a retry after a server error', async (t) => {
    const { client, flaky } = await dialed(t, async (inv, next) => {
      try {
        return await next(inv);
      } catch {
        return await next(inv);
      }
    });
    assert.equal(await client.call('Flaky.once', null), 'answered on call 2');
    assert.equal(flaky.calls, 2);
  });
});
