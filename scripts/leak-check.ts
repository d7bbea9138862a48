/**
 * Preloaded into every test process by scripts/test.ts. After a test file's last test,
 * it fails the file if a server, socket or timer is still open, and names it, instead
 * of letting the runner hang on it.
 */
import { after } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

// Handles that belong to the runner itself, not to the code under test.
const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FileHandle', 'Immediate']);

// Only inside the runner's child processes (one per test file), not the parent.
if (process.env.NODE_TEST_CONTEXT !== undefined) {
  after(async () => {
    await sleep(25); // let sockets that are closing finish closing
    const open = process.getActiveResourcesInfo().filter((name) => !IGNORED.has(name));
    if (open.length === 0) return;
    // If the leak keeps the process alive, still exit, failed, instead of hanging.
    setTimeout(() => process.exit(1), 1000).unref();
    throw new Error(`${process.argv[1]} left handles open: ${open.join(', ')}`);
  });
}
