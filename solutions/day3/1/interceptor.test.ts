/**
 * Day 3, exercise 1: interceptors around the server's handle step. The argument check
 * of the exercise's first version becomes one interceptor; a log, an allow-list (auth)
 * and metrics are three more.
 */
import assert from 'node:assert/strict';
import { describe, type TestContext, test } from 'node:test';
import { type Client, dial } from './client.ts';
import { ServerError } from './errors.ts';
import { type Check, type ServerInterceptor, validate } from './interceptor.ts';
import { DAY, startServer } from './test-helpers.ts';

interface Args {
  num1: number;
  num2: number;
}

class Calc {
  calls = 0; // how often a method really ran
  sum({ num1, num2 }: Args): number {
    this.calls++;
    return num1 + num2;
  }
  reset(): void {
    this.calls++;
  }
  fail(): never {
    this.calls++;
    throw new Error('100% failed');
  }
}

const isSumArgs: Check = (args) => {
  const { num1, num2 } = (args ?? {}) as Partial<Record<keyof Args, unknown>>;
  if (typeof num1 !== 'number') return 'num1 must be a number';
  if (typeof num2 !== 'number') return 'num2 must be a number';
  return undefined;
};

// Auth, as far as a request can carry it today: which methods may be called at all.
// (A per-call token needs a header field: gRPC calls it metadata.)
function allowOnly(methods: string[]): ServerInterceptor {
  return async (inv, next) => {
    if (!methods.includes(inv.serviceMethod)) {
      throw new Error(`rpc server: ${inv.serviceMethod} is not allowed`);
    }
    return next(inv);
  };
}

async function served(t: TestContext, ...interceptors: ServerInterceptor[]) {
  const { server, port } = await startServer(t);
  const calc = new Calc();
  server.register(calc);
  for (const interceptor of interceptors) server.use(interceptor);
  const client: Client = await dial('tcp', `127.0.0.1:${port}`);
  t.after(() => client.close());
  return { calc, client };
}

describe(`${DAY}: interceptors (exercise 1)`, () => {
  test('interceptors run around the method, the first added outermost', async (t) => {
    const trace: string[] = [];
    const traced =
      (name: string): ServerInterceptor =>
      async (inv, next) => {
        trace.push(`${name}>`);
        const reply = await next(inv);
        trace.push(`<${name}`);
        return reply;
      };
    // An interceptor may change what the method gets: this one doubles num1.
    const double: ServerInterceptor = (inv, next) =>
      next({ ...inv, argv: { ...(inv.argv as Args), num1: (inv.argv as Args).num1 * 2 } });
    const { client } = await served(t, traced('log'), traced('auth'), double);
    assert.equal(await client.call('Calc.sum', { num1: 2, num2: 3 }), 7);
    assert.deepEqual(trace, ['log>', 'auth>', '<auth', '<log']);
  });

  test('a call whose args fail their check is answered with the reason; its method never runs', async (t) => {
    const { calc, client } = await served(t, validate({ 'Calc.sum': isSumArgs }));
    const stub = client.stub<Calc>('Calc');
    // @ts-expect-error num1 must be a number: now the server checks it too
    const wrong = stub.sum({ num1: 'one', num2: 2 });
    await assert.rejects(wrong, {
      name: 'ServerError',
      message: 'rpc server: invalid args for Calc.sum: num1 must be a number',
    });
    assert.equal(calc.calls, 0, 'the method must not run');
    assert.equal(await stub.sum({ num1: 1, num2: 2 }), 3);
    assert.equal(await stub.reset(), null, 'a method with no check is called as before');
  });

  test('an interceptor that refuses costs its call an error response, not the connection', async (t) => {
    const { calc, client } = await served(t, allowOnly(['Calc.sum']));
    await assert.rejects(
      client.call('Calc.reset', null),
      /^ServerError: rpc server: Calc.reset is not allowed$/,
    );
    assert.equal(calc.calls, 0);
    assert.equal(await client.call('Calc.sum', { num1: 1, num2: 1 }), 2, 'the connection lives on');
  });

  test('a metrics interceptor sees every call once, replies and errors alike, with its time', async (t) => {
    const metrics = new Map<string, { calls: number; errors: number; ms: number }>();
    const measure: ServerInterceptor = async (inv, next) => {
      const m = metrics.get(inv.serviceMethod) ?? { calls: 0, errors: 0, ms: 0 };
      metrics.set(inv.serviceMethod, m);
      const start = performance.now();
      m.calls++;
      try {
        return await next(inv);
      } catch (err) {
        m.errors++;
        throw err;
      } finally {
        m.ms += performance.now() - start;
      }
    };
    const { client } = await served(t, measure);
    await client.call('Calc.sum', { num1: 1, num2: 1 });
    await assert.rejects(client.call('Calc.fail', null), ServerError);
    await assert.rejects(client.call('Calc.nope', null), /can't find method Calc.nope/);
    assert.deepEqual(
      [...metrics].map(([name, { calls, errors }]) => [name, calls, errors]),
      [
        ['Calc.sum', 1, 0],
        ['Calc.fail', 1, 1],
      ],
      'a request for a method that does not exist never reaches the chain',
    );
    assert.ok([...metrics.values()].every(({ ms }) => ms >= 0));
  });
});
