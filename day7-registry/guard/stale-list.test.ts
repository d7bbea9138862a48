/**
 * Tests of StaleList: a list kept through an outage is reported when the outage starts,
 * again at a bounded interval with its age, and once more when it is confirmed.
 * Added on day 7.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY } from '../test-helpers.ts';
import { StaleList } from './stale-list.ts';

/** Resolves when `logs` holds `n` lines; rejects if it does not within a second. */
function lines(logs: string[], n: number): Promise<void> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (logs.length >= n) resolve(clearInterval(check));
      else if (performance.now() - started > 1000) {
        clearInterval(check);
        reject(new Error(`${logs.length} lines after a second, not ${n}: ${logs.join(' | ')}`));
      }
    }, 2);
  });
}

describe(`${DAY}: stale list`, () => {
  test('an unconfirmed list is reported at once, then again every interval with its age', async (t) => {
    const logs: string[] = [];
    const stale = new StaleList((m) => logs.push(m), 20);
    t.after(() => stale.close());
    assert.equal(stale.age(), 0);
    stale.lost('watch lost: gone');
    stale.lost('watch lost: gone again'); // the same outage: no second report
    assert.deepEqual(logs, ['watch lost: gone; still serving the last good list']);
    await lines(logs, 3);
    assert.match(logs[1] ?? '', /^watch lost: gone; the list served has gone unconfirmed for \d/);
    assert.ok(stale.age() >= 30, `age ${stale.age()} ms after two reminders`);
  });

  test('a confirmed list is said to be so once, and its age and reminders stop', async () => {
    const logs: string[] = [];
    const stale = new StaleList((m) => logs.push(m), 20);
    stale.lost('watch lost: gone');
    stale.confirmed();
    stale.confirmed();
    assert.equal(stale.age(), 0);
    assert.equal(logs.length, 2);
    assert.match(logs[1] ?? '', /^list confirmed again after \d/);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(logs.length, 2, 'no reminder after the list is confirmed');
  });
});
