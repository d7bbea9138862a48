/**
 * Day 3, exercise 2 ("Publish arrow-function fields"): a class whose method is an arrow
 * field answers calls to it, with `this` still the instance.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dial } from './client.ts';
import { DAY, startServer } from './test-helpers.ts';

interface Args {
  num1: number;
  num2: number;
}

class Adder {
  offset = 100;
  sum = ({ num1, num2 }: Args) => num1 + num2 + this.offset;
  _private = (_args: unknown) => 'not published: the _ prefix still hides a field';
}

describe(`${DAY}: exercise 2, arrow-function fields`, () => {
  test('an arrow field is published and called with `this` the instance', async (t) => {
    const { server, port } = await startServer(t);
    server.register(new Adder());
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    assert.equal(await client.call('Adder.sum', { num1: 1, num2: 2 }), 103);
    await assert.rejects(client.call('Adder._private', null), /can't find method Adder._private/);
  });
});
