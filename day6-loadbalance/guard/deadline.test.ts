/**
 * Tests of `within`, the bound on a wait that should end by itself. Added on day 1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY } from '../test-helpers.ts';
import { within } from './deadline.ts';

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe(`${DAY}: deadline`, () => {
  test('gives up on work that never ends once the time is up', async () => {
    const alive = setTimeout(() => {}, 1000); // within()'s own timer is unref()ed
    const started = performance.now();
    await within(30, new Promise(() => {}));
    clearTimeout(alive);
    assert.ok(performance.now() - started >= 25);
  });

  test('clears its timer when the work ends first', async () => {
    const before = timers();
    await within(60_000, Promise.resolve());
    assert.equal(timers(), before);
  });
});
