/**
 * Tests of services: which methods are published, what register refuses, calls over the
 * wire with their errors, and typed stubs (some checked by the type checker). Added on day 3.
 */
import assert from 'node:assert/strict';
import type net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, dial } from './client.ts';
import { newCodecFuncMap } from './codec/codec.ts';
import { whenClosed } from './codec/frame.ts';
import { ServerError } from './errors.ts';
import { Server, type ServerOptions } from './server.ts';
import { type MethodType, Service } from './service.ts';
import { connectRaw, DAY, sendOption, startServer } from './test-helpers.ts';

interface Args {
  num1: number;
  num2: number;
}

class Base {
  greet(name: string): string {
    return `hello ${name}`;
  }
  sum(_args: Args): number {
    return -1; // hidden by Calc's own sum
  }
}

class Calc extends Base {
  #secret = 42;
  arrow = (x: number) => x; // an instance field, published since exercise 2
  static create(): Calc {
    return new Calc();
  }
  override sum({ num1, num2 }: Args): number {
    return num1 + num2;
  }
  async slowSum(args: Args): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 5));
    return this.sum(args);
  }
  nothing(): void {}
  fail(): never {
    throw new Error('100% failed');
  }
  async reject(): Promise<never> {
    throw new RangeError('rejected on purpose');
  }
  weird(): never {
    throw 'a thrown string';
  }
  bare(): never {
    throw Object.create(null); // no prototype: String() of it throws
  }
  sly(): never {
    throw {
      toString() {
        throw new Error('and this throws too');
      },
    };
  }
  twoArgs(a: number, b: number): number {
    return a + b;
  }
  get total(): number {
    return this.#secret;
  }
  _helper(): number {
    return this.#hidden();
  }
  #hidden(): number {
    return this.#secret;
  }
}

async function served(t: TestContext, ...receivers: object[]): Promise<Client> {
  const { server, port } = await startServer(t);
  for (const receiver of receivers) server.register(receiver);
  const client = await dial('tcp', `127.0.0.1:${port}`);
  t.after(() => client.close());
  return client;
}

describe(`${DAY}: services`, () => {
  // Ported from GeeRPC's service_test.go: TestNewService and TestMethodType_Call.
  test('a new service is named after its class and publishes its public methods', () => {
    const service = new Service(new Calc());
    assert.equal(service.name, 'Calc');
    assert.deepEqual(
      [...service.methods.keys()].sort(),
      ['arrow', 'bare', 'fail', 'greet', 'nothing', 'reject', 'slowSum', 'sly', 'sum', 'weird'],
      'not: constructor, _helper, #hidden, the getter, static create, twoArgs (exercise 2: arrow is)',
    );
  });

  test('calling a method returns its reply and counts the call', async () => {
    const service = new Service(new Calc());
    const mtype = service.methods.get('sum') as MethodType;
    assert.equal(await service.call(mtype, { num1: 1, num2: 3 }), 4);
    assert.equal(mtype.numCalls, 1);
  });

  test('an inherited method is published, unless the class overrides it', async () => {
    const service = new Service(new Calc());
    const greet = service.methods.get('greet') as MethodType;
    assert.equal(await service.call(greet, 'you'), 'hello you');
    const sum = service.methods.get('sum') as MethodType;
    assert.equal(await service.call(sum, { num1: 2, num2: 2 }), 4);
  });

  const rejected: [string, unknown, RegExp][] = [
    ['a number', 42, /register needs an object, got 42/],
    ['null', null, /register needs an object, got null/],
    ['a class instead of an instance', Calc, /register an instance, not the class: new Calc\(\)/],
    ['a plain object', { sum: () => 1 }, /an instance of a named class/],
    ['an instance of an anonymous class', new (class {})(), /an instance of a named class/],
    ['a class with nothing to publish', new (class Empty {})(), /Empty has no method to publish/],
  ];
  for (const [what, receiver, message] of rejected) {
    test(`register refuses ${what}, saying why`, () => {
      const server = new Server({ log: () => {} });
      assert.throws(() => server.register(receiver as object), { name: 'TypeError', message });
    });
  }

  test('register refuses a second service with the same name', () => {
    const server = new Server({ log: () => {} });
    server.register(new Calc());
    assert.throws(() => server.register(new Calc()), /rpc server: service already defined: Calc/);
  });

  test('sync and async methods are called over the wire', async (t) => {
    const calc = new Calc();
    const client = await served(t, calc);
    assert.equal(await client.call('Calc.sum', { num1: 1, num2: 2 }), 3);
    assert.equal(await client.call('Calc.slowSum', { num1: 3, num2: 4 }), 7);
    assert.equal(await client.call('Calc.greet', 'there'), 'hello there');
  });

  test('a method that returns nothing replies null, and the stream stays in step', async (t) => {
    const client = await served(t, new Calc());
    assert.equal(await client.call('Calc.nothing', null), null);
    assert.equal(await client.call('Calc.sum', { num1: 1, num2: 1 }), 2);
  });

  for (const [method, message] of [
    ['fail', '100% failed'],
    ['reject', 'rejected on purpose'],
    ['weird', 'a thrown string'],
    // Once, turning these into text threw inside the catch, and the request got no response.
    ['bare', 'a value that cannot be shown as text'],
    ['sly', 'a value that cannot be shown as text'],
  ]) {
    test(`a method that throws or rejects (${method}) gives a ServerError; the server lives on`, async (t) => {
      const client = await served(t, new Calc());
      await assert.rejects(client.call(`Calc.${method}`, null), (err: unknown) => {
        assert.ok(err instanceof ServerError);
        assert.equal(err.message, message);
        return true;
      });
      assert.equal(await client.call('Calc.sum', { num1: 2, num2: 3 }), 5);
    });
  }

  for (const [serviceMethod, message] of [
    ['Calc.sumx', "rpc server: can't find method Calc.sumx"],
    ['Nope.sum', "rpc server: can't find service Nope"],
    ['Calc._helper', "rpc server: can't find method Calc._helper"],
    ['Calc.constructor', "rpc server: can't find method Calc.constructor"],
    ['sum', 'rpc server: service/method request ill-formed: sum'],
    ['Calc.', 'rpc server: service/method request ill-formed: Calc.'],
  ]) {
    test(`"${serviceMethod}" gets an error response, then the connection still works`, async (t) => {
      const client = await served(t, new Calc());
      await assert.rejects(client.call(serviceMethod, { num1: 1, num2: 2 }), { message });
      assert.equal(await client.call('Calc.sum', { num1: 1, num2: 2 }), 3);
    });
  }

  test('an error quotes at most 100 characters of a megabyte-long method name', async (t) => {
    const client = await served(t, new Calc());
    const name = `Calc.${'x'.repeat(1 << 20)}`;
    await assert.rejects(client.call(name, null), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.ok(err.message.length < 200, `the error is ${err.message.length} characters`);
      assert.match(
        err.message,
        /^rpc server: can't find method Calc\.x+\.\.\. \(1048581 characters\)$/,
      );
      return true;
    });
  });

  test('a client that ends its side while a slow method runs still gets its reply', async (t) => {
    const { server, port } = await startServer(t);
    server.register(new Calc());
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    cc.write({ serviceMethod: 'Calc.slowSum', seq: 1, error: '' }, { num1: 1, num2: 2 });
    raw.conn.end(); // half-close: once, the server closed at once and the reply was lost
    assert.equal((await cc.readHeader())?.seq, 1);
    assert.equal(await cc.readBody(), 3);
  });

  test('a client that ended its side is closed after closeTimeout if a handler never ends', async (t) => {
    class Never {
      hang(): Promise<never> {
        return new Promise(() => {});
      }
    }
    const { server, port, conns } = await startServer(t, { closeTimeout: 50 });
    server.register(new Never());
    const raw = await connectRaw(t, port);
    assert.deepEqual(await sendOption(raw), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    cc.write({ serviceMethod: 'Never.hang', seq: 1, error: '' }, null);
    raw.conn.end(); // the server cannot tell this from a client that has gone
    const started = performance.now();
    const closed = whenClosed(conns[0] as net.Socket).then(() => true);
    const inTime = await Promise.race([closed, sleep(1000, false, { ref: false })]);
    const elapsed = performance.now() - started;
    assert.ok(inTime && elapsed >= 40, `closed after ${elapsed} ms, not about 50`);
  });

  // A service whose method counts its calls and holds each until the test opens the gate.
  class Gate {
    started = 0;
    open = () => {};
    readonly #opened = new Promise<void>((resolve) => {
      this.open = resolve;
    });
    async pass(args: unknown): Promise<unknown> {
      this.started++;
      await this.#opened;
      return args;
    }
  }

  // Makes `args.length` calls to a Gate on a server with `options`; resolves with the gate
  // once the server has had time to read all of them, if it would, and with the calls.
  async function throughGate(t: TestContext, options: ServerOptions, args: unknown[]) {
    const gate = new Gate();
    const { server, port } = await startServer(t, options);
    server.register(gate);
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    const calls = args.map((arg) => client.call('Gate.pass', arg));
    await sleep(50);
    return { gate, calls };
  }

  test('a connection gets at most maxInFlight requests handled at once; the rest wait', async (t) => {
    const { gate, calls } = await throughGate(t, { maxInFlight: 2 }, [1, 2, 3, 4, 5]);
    assert.equal(gate.started, 2, 'the server stopped reading at two requests in flight');
    gate.open();
    assert.deepEqual(await Promise.all(calls), [1, 2, 3, 4, 5]);
  });

  test('a connection gets at most maxInFlightBytes of requests handled at once', async (t) => {
    const big = 'x'.repeat(600);
    const { gate, calls } = await throughGate(t, { maxInFlightBytes: 1000 }, [big, big, big]);
    assert.equal(gate.started, 2, 'the second request took the connection past 1,000 bytes');
    gate.open();
    assert.deepEqual(await Promise.all(calls), [big, big, big]);
  });

  test('all connections together get at most maxServerInFlightBytes of requests handled', async (t) => {
    const gate = new Gate();
    const { server, port } = await startServer(t, { maxServerInFlightBytes: 1000 });
    server.register(gate);
    const big = 'x'.repeat(600);
    const clients = await Promise.all([1, 2, 3].map(() => dial('tcp', `127.0.0.1:${port}`)));
    t.after(() => Promise.all(clients.map((c) => c.close())));
    // Three calls each, nine in all. A connection waiting for its next request has already
    // checked for room, so past the bound each may still read one: two, plus one each.
    const calls = clients.flatMap((client) => [1, 2, 3].map(() => client.call('Gate.pass', big)));
    await sleep(50);
    assert.ok(gate.started <= 5, `${gate.started} requests were read past the server-wide bound`);
    gate.open();
    assert.equal((await Promise.all(calls)).length, 9);
  });

  test('a reply that cannot be encoded becomes an error response', async (t) => {
    class Odd {
      big(): bigint {
        return 10n;
      }
    }
    const client = await served(t, new Odd());
    await assert.rejects(client.call('Odd.big', null), /rpc server: cannot encode reply: /);
  });

  test('a reply over maxFrameSize becomes an error response, and the connection lives (the client would close it)', async (t) => {
    class Big {
      make(n: number): string {
        return 'x'.repeat(n);
      }
    }
    const { server, port } = await startServer(t, { maxFrameSize: 1000 });
    server.register(new Big());
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    await assert.rejects(client.call('Big.make', 2000), {
      name: 'ServerError',
      message: /reply too large: a frame of 2002 bytes exceeds maxFrameSize \(1000 bytes\)/,
    });
    assert.equal(await client.call('Big.make', 3), 'xxx');
  });
});

describe(`${DAY}: typed stubs`, () => {
  test('a stub calls the service with its methods and types', async (t) => {
    const client = await served(t, new Calc());
    const calc = client.stub<Calc>('Calc');
    const sum: number = await calc.sum({ num1: 1, num2: 2 });
    assert.equal(sum, 3);
    assert.equal(await calc.slowSum({ num1: 5, num2: 5 }), 10);
    assert.equal(await calc.greet('stub'), 'hello stub');
  });

  test('types stop at compile time what nothing checks at run time', async (t) => {
    const client = await served(t, new Calc());
    const calc = client.stub<Calc>('Calc');
    // The wire carries untyped data: a string where a number belongs is simply added.
    // @ts-expect-error num1 must be a number (npm run typecheck fails if this compiles)
    assert.equal(await calc.sum({ num1: 'one', num2: 2 }), 'one2');
    // @ts-expect-error Calc has no method sumx
    await assert.rejects(calc.sumx({ num1: 1, num2: 2 }), /can't find method Calc.sumx/);
    // @ts-expect-error _helper is not published, so the stub does not offer it
    await assert.rejects(calc._helper(), /can't find method Calc._helper/);
  });

  test('a stub is not mistaken for a promise', async (t) => {
    const client = await served(t, new Calc());
    const calc = client.stub<Calc>('Calc');
    assert.equal(await calc, calc, 'await on a stub must not call a remote "then"');
  });
});
