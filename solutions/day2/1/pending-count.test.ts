/**
 * Day 2, exercise 1 ("Count what is in flight"): `pendingCount` is the number of calls
 * that wait for their response.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dial } from './client.ts';
import { DAY, startServer } from './test-helpers.ts';

describe(`${DAY}: exercise 1, pendingCount`, () => {
  test('is 200 right after 200 go() calls, and 0 once all of them are done', async (t) => {
    const { port } = await startServer(t);
    const client = await dial('tcp', `127.0.0.1:${port}`);
    t.after(() => client.close());
    assert.equal(client.pendingCount, 0);
    const calls = Array.from({ length: 200 }, (_, i) => client.go('Foo.Sum', i));
    assert.equal(client.pendingCount, 200);
    await Promise.all(calls.map((call) => call.done));
    assert.equal(client.pendingCount, 0);
    assert.ok(calls.every((call) => call.error === undefined));
  });
});
