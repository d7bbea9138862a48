/**
 * Tests of LinkedController, the signal an XClient aborts on close() and at a
 * broadcast's first error. Added on day 6.
 */
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DAY } from '../test-helpers.ts';
import { LinkedController } from './linked-signal.ts';

describe(`${DAY}: linked signal`, () => {
  test('takes a listener per dial or call in flight, 50 of them, without a MaxListenersExceededWarning', async (t) => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const { signal } = new LinkedController();
    for (let i = 0; i < 50; i++) signal.addEventListener('abort', () => {});
    await nextTurn(); // warnings are emitted on the next tick
    assert.deepEqual(warnings, []);
  });

  test("aborts with its parent's reason, at once if the parent is already aborted", () => {
    const parent = new AbortController();
    const child = new LinkedController(parent.signal);
    parent.abort(new Error('shutting down'));
    assert.equal((child.signal.reason as Error).message, 'shutting down');
    assert.equal(new LinkedController(parent.signal).signal.aborted, true);
  });

  test('release() leaves no listener on a long-lived parent, and the parent no longer aborts it', () => {
    const parent = new AbortController();
    for (let i = 0; i < 20; i++) new LinkedController(parent.signal).release();
    assert.equal(getEventListeners(parent.signal, 'abort').length, 0);
    const released = new LinkedController(parent.signal);
    released.release();
    parent.abort();
    assert.equal(released.signal.aborted, false);
  });
});
