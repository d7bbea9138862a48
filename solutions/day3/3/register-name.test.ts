/**
 * Day 3, exercise 3 ("Choose the service's name"): `register(receiver, name)`, as Go's
 * RegisterName, publishes a class under the name given, which must still be unique.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dial } from './client.ts';
import { DAY, startServer } from './test-helpers.ts';

class Calc {
  sum({ num1, num2 }: { num1: number; num2: number }): number {
    return num1 + num2;
  }
}

describe(`${DAY}: exercise 3, a service under a name of your choice`, () => {
  test('a Calc registered as "Calculator" answers Calculator.sum, not Calc.sum', async (t) => {
    const { server, port } = await startServer(t);
    server.register(new Calc(), 'Calculator');
    server.register(new Calc(), 'Backup'); // one class, two names
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    assert.equal(await client.call('Calculator.sum', { num1: 1, num2: 2 }), 3);
    assert.equal(await client.call('Backup.sum', { num1: 3, num2: 4 }), 7);
    await assert.rejects(client.call('Calc.sum', { num1: 1, num2: 2 }), /can't find service Calc/);
  });

  test('registering a second "Calculator" still throws', async (t) => {
    const { server } = await startServer(t);
    server.register(new Calc(), 'Calculator');
    assert.throws(() => server.register(new Calc(), 'Calculator'), /already defined: Calculator/);
  });
});
