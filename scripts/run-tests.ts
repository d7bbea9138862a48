/**
 * One node:test run over a list of test files, under the leak check (scripts/leak-check.ts).
 * Shared by `npm test` (scripts/test.ts), `npm run exercise -- N --test` (exercise.ts)
 * and `npm run test:solutions` (test-solutions.ts).
 * Node 20 neither expands globs nor finds tests in a directory (it reports 0 tests and
 * passes), so callers list the files (testFiles), and a run of no test fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { root } from './days.ts';

/** Every `*.test.ts` under `folder` (absolute), as paths from the repository's root. */
export function testFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts') && !file.includes('node_modules'))
    .sort()
    .map((file) => relative(root, join(folder, file)));
}

export interface RunOptions {
  /** Per test file, in ms: a day's file finishes in seconds, a reliability suite in minutes. */
  timeoutMs?: number;
  /** `quiet` (one line per day, failures in full), `spec` (every test), `tap` (for CI). */
  reporter?: 'quiet' | 'spec' | 'tap';
  env?: Record<string, string>;
  /** Given the tests that passed per day (or per folder) once the run has passed. */
  counts?: (passed: Record<string, number>) => void;
}

/** Runs the files; returns the exit code (0 only if at least one test ran, none was skipped). */
export function runTests(files: string[], options: RunOptions = {}): number {
  if (files.length === 0) return failed('no *.test.ts files to run');
  // A second reporter writes what passed to a file, so that the totals can be read back below.
  const scratch = mkdtempSync(join(tmpdir(), 'geerpc-test-'));
  const countsFile = join(scratch, 'counts.json');
  const reporter = options.reporter ?? 'quiet';
  try {
    const result = spawnSync(
      process.execPath,
      [
        // tsx runs transformed code: without source maps, a failing test is reported at its
        // place in that code (client.test.ts:1:3563), not at its line in the file (121:3).
        '--enable-source-maps',
        '--import=tsx',
        '--import=./scripts/leak-check.ts',
        '--test',
        `--test-timeout=${options.timeoutMs ?? 15_000}`,
        '--test-concurrency=2',
        `--test-reporter=${reporter === 'quiet' ? './scripts/quiet-reporter.mjs' : reporter}`,
        '--test-reporter-destination=stdout',
        '--test-reporter=./scripts/count-reporter.mjs',
        `--test-reporter-destination=${countsFile}`,
        ...files,
      ],
      { cwd: root, stdio: 'inherit', env: { ...process.env, ...options.env } },
    );
    if (result.status !== 0) return result.status ?? 1;
    const counts = JSON.parse(readFileSync(countsFile, 'utf8'));
    const passed: Record<string, number> = counts.passed;
    if (Object.values(passed).every((n) => n === 0))
      return failed('the run passed no test: that is a failure, not a success');
    if (counts.skipped > 0) return failed('skipped or todo tests: every test must run');
    options.counts?.(passed);
    return 0;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function failed(message: string): number {
  console.error(`tests: ${message}`);
  return 1;
}
