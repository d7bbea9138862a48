/**
 * Day 3 demo: publish a class as a service, then call its methods by name and
 * through a typed stub. Mirrors GeeRPC's day3-service/main/main.go.
 * Run: npx tsx day3-service/main.ts [--codec json|msgpack|yaml] [--trace]
 */
import { once } from 'node:events';
import net from 'node:net';
import { dial } from './client.ts';
import { accept, defaultServer, register } from './server.ts';
import { demoFlags, startTrace } from './trace.ts';

interface Args {
  num1: number;
  num2: number;
}

class Foo {
  sum({ num1, num2 }: Args): number {
    return num1 + num2;
  }

  // Async methods work too, and a thrown error reaches the caller as a ServerError.
  async divide({ num1, num2 }: Args): Promise<number> {
    if (num2 === 0) throw new Error(`cannot divide ${num1} by zero`);
    return num1 / num2;
  }

  // Answers 50 ms late, so that the reply to a call made after it overtakes it.
  async slowSum(args: Args): Promise<number> {
    await new Promise((resolve) => setTimeout(resolve, 50));
    return this.sum(args);
  }
}

const { codecType, trace } = demoFlags();

register(new Foo());
const listener = net.createServer();
accept(listener);
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const serverPort = (listener.address() as net.AddressInfo).port;
const tap = trace ? await startTrace(serverPort) : undefined;

const client = await dial('tcp', `127.0.0.1:${tap?.port ?? serverPort}`, { codecType });

// By name, as in GeeRPC: nothing checks the argument or the reply's type.
await Promise.all(
  [1, 2, 3, 4, 5].map(async (i) => {
    const args = { num1: i, num2: i * i };
    const reply = await client.call<number>('Foo.sum', args);
    console.log(`${args.num1} + ${args.num2} = ${reply}`);
  }),
);

// Through the stub: the same calls, typed from the class. Replies arrive in the order
// the server finishes them, not the order of the calls: slowSum is called first, but
// sum's reply arrives 50 ms before its own.
const foo = client.stub<Foo>('Foo');
await Promise.all([
  foo.slowSum({ num1: 1, num2: 2 }).then((n) => console.log(`slowSum 1 + 2 = ${n} (called first)`)),
  foo.sum({ num1: 3, num2: 4 }).then((n) => console.log(`sum     3 + 4 = ${n} (called second)`)),
]);
console.log(`7 / 2 = ${await foo.divide({ num1: 7, num2: 2 })}`);
await foo
  .divide({ num1: 7, num2: 0 })
  .catch((err: Error) => console.log(`7 / 0: ${err.name}: ${err.message}`));

await client.close();
await tap?.close();
await defaultServer.close();
