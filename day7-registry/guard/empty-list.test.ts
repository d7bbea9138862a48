/**
 * Tests of EmptyList, the grace before a client believes a registry that lists nobody.
 * Added on day 7.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DAY } from '../test-helpers.ts';
import { EmptyList } from './empty-list.ts';

describe(`${DAY}: empty list`, () => {
  test('an empty answer with servers in hand is doubted for the grace, then believed', async () => {
    const empty = new EmptyList(30);
    assert.equal(empty.disbelieves(0, 2), true);
    await sleep(40);
    assert.equal(empty.disbelieves(0, 2), false);
  });

  test('an empty answer with nothing in hand is believed at once; a listed server ends the doubt', async () => {
    const empty = new EmptyList(30);
    assert.equal(empty.disbelieves(0, 0), false);
    assert.equal(empty.disbelieves(0, 1), true);
    await sleep(40);
    assert.equal(empty.disbelieves(1, 1), false); // a beat heard: the next empty answer starts afresh
    assert.equal(empty.disbelieves(0, 1), true);
  });
});
