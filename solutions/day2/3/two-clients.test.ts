/**
 * Day 2, exercise 3 ("Call from two clients"): the demo dials twice, and each reply
 * still matches its call: each client numbers its own calls from 1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY, runDemo } from './test-helpers.ts';

describe(`${DAY}: exercise 3, two clients`, () => {
  test('--trace shows two option handshakes, and every reply matches its call', async () => {
    const run = await runDemo('--trace');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout.match(/^client → server {2}option /gm)?.length, 2);
    const replies = [...run.stdout.matchAll(/^client (\d), call (\d), reply: geerpc resp (\d)$/gm)];
    assert.equal(replies.length, 5);
    for (const [, client, call, seq] of replies) {
      // Calls 1, 3, 5 are the first client's seq 1, 2, 3; calls 2, 4 the second's seq 1, 2.
      assert.equal(Number(client), Number(call) % 2 === 1 ? 1 : 2);
      assert.equal(Number(seq), Math.ceil(Number(call) / 2));
    }
  });
});
