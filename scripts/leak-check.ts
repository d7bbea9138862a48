/**
 * Preloaded into every test process by scripts/test.ts. A test file that leaves a server,
 * socket or timer open would keep its process alive and hang the run; this makes it fail
 * instead, naming what was left open.
 *
 * How: after each test, arm an unref()ed timer, and disarm it when the next test starts.
 * An unref()ed timer never keeps a process alive, so in a clean file the process exits
 * before it fires. It fires only when something else keeps the process alive after the
 * last test: exactly a leak. (A root `after()` hook does not work here: preloaded, it
 * runs before the file's tests have even been registered.)
 *
 * It also fails a test that waits for something that never comes, by its own name and
 * within seconds, instead of the runner's per-file timeout naming only the file.
 */
import { afterEach, beforeEach } from 'node:test';

// Longer than any test's own clean-up takes. The etcd suite gets 3 s (scripts/test.ts):
// a closed etcd3 client still schedules one reconnect of its watch stream, a second
// later, which is the library's and ends by itself; a real leak outlives 3 s too.
const GRACE_MS = Number(process.env.LEAK_GRACE_MS) || 1000;

// Longer than any one day test takes under CI's load (the slowest take about 2 s); the
// reliability and etcd suites set their own (scripts/test.ts).
const HANG_MS = Number(process.env.TEST_HANG_MS) || 10_000;

// Handles that belong to the runner itself, not to the code under test.
const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FileHandle', 'Immediate']);

// Only inside the runner's child processes (one per test file), not the parent.
// Each day's test-helpers.ts carries the same check, for a plain `node --test` in its folder:
// whichever comes first installs it.
const INSTALLED = Symbol.for('geerpc.leak-check');
if (process.env.NODE_TEST_CONTEXT !== undefined && !(INSTALLED in globalThis)) {
  Object.assign(globalThis, { [INSTALLED]: true });
  let watchdog: NodeJS.Timeout | undefined;
  let hang: NodeJS.Timeout | undefined;
  beforeEach((t) => {
    clearTimeout(watchdog);
    hang = setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((name) => !IGNORED.has(name));
      console.error(
        `${process.argv[1]}: test "${t.name}" has not finished after ${HANG_MS} ms; it waits on: ${open.join(', ')}`,
      );
      process.exit(1);
    }, HANG_MS).unref();
  });
  afterEach(() => {
    clearTimeout(hang);
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      const open = process.getActiveResourcesInfo().filter((name) => !IGNORED.has(name));
      console.error(`${process.argv[1]} left handles open after its last test: ${open.join(', ')}`);
      process.exit(1);
    }, GRACE_MS).unref();
  });
}
