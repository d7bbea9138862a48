/**
 * Tests of EmptyList, the grace before a client believes a registry that lists nobody.
 * Added on day 7.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { DAY } from '../test-helpers.ts';
import { EmptyList } from './empty-list.ts';

const URL = 'http://registry';

describe(`${DAY}: empty list`, () => {
  test('an empty answer with servers in hand is doubted for the grace, then believed', async () => {
    const empty = new EmptyList(30);
    assert.throws(
      () => empty.check(0, 2, URL),
      /http:\/\/registry lists no server \(restarted\?\)/,
    );
    await sleep(40);
    assert.doesNotThrow(() => empty.check(0, 2, URL));
  });

  test('an empty answer with nothing in hand is believed at once; a listed server ends the doubt', async () => {
    const empty = new EmptyList(30);
    assert.doesNotThrow(() => empty.check(0, 0, URL));
    assert.throws(() => empty.check(0, 1, URL));
    await sleep(40);
    empty.check(1, 1, URL); // the registry has heard a beat: the next empty answer starts afresh
    assert.throws(() => empty.check(0, 1, URL));
  });
});
