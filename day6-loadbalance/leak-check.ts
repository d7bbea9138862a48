/**
 * Makes a test that leaves a server, socket or timer open fail, naming what it left, and
 * a test that waits forever fail by its own name, instead of hanging the run. Every test
 * file imports it through test-helpers.ts, so it works under a plain `node --test` in
 * this folder as well as under `npm test`. Added on day 1.
 */
import { afterEach, beforeEach } from 'node:test';

// Longer than any test's own clean-up takes; a real leak outlives it too.
const GRACE_MS = Number(process.env.LEAK_GRACE_MS) || 1000;
// Longer than any one test here takes on a loaded machine (the slowest take about 2 s).
const HANG_MS = Number(process.env.TEST_HANG_MS) || 10_000;
// Handles that belong to the test runner, not to the code under test.
const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FileHandle', 'Immediate']);

const open = () => process.getActiveResourcesInfo().filter((name) => !IGNORED.has(name));

// Only in the runner's child processes, one per test file: there, when the file's last test
// has ended, nothing but a leak can keep the process alive. The timers are unref()ed, so they
// never keep it alive themselves: in a clean file the process exits before they fire.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  let watchdog: NodeJS.Timeout | undefined;
  let hang: NodeJS.Timeout | undefined;
  beforeEach((t) => {
    clearTimeout(watchdog);
    hang = setTimeout(() => {
      console.error(`${process.argv[1]}: test "${t.name}" has not finished after ${HANG_MS} ms;`);
      console.error(`  it waits on: ${open().join(', ')}`);
      process.exit(1);
    }, HANG_MS).unref();
  });
  afterEach(() => {
    clearTimeout(hang);
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      console.error(
        `${process.argv[1]} left handles open after its last test: ${open().join(', ')}`,
      );
      process.exit(1);
    }, GRACE_MS).unref();
  });
}
