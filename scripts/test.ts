/**
 * `npm test`: runs every day's tests in one node:test run with one summary.
 * `npm test -- day2` (or `-- 2`, or `npm run test:day2`) runs one day;
 * `npm test -- reliability` (`npm run test:reliability`) the fuzz, fault and load suites;
 * `npm run test:etcd` day 7's etcd registry against a real etcd.
 * Node 20 neither expands globs nor finds tests in a directory (it reports 0 tests and
 * passes), so this script lists the files itself, and fails if it runs no test.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const days = readdirSync(root)
  .filter((name) => /^day\d-/.test(name))
  .sort();
// Run only when named: they take a minute or two, and are CI's, not a learner's.
const extra = ['reliability', 'etcd'];
const wanted = process.argv.slice(2).map((arg) => arg.replace(/^(day)?(\d)$/, 'day$2-'));
const folders = [...days, ...extra];
const unknown = wanted.filter((prefix) => !folders.some((day) => day.startsWith(prefix)));
if (unknown.length > 0)
  fail(`no day matches ${unknown.join(', ')}; the days are ${days.join(', ')} (and ${extra})`);
const chosen =
  wanted.length === 0 ? days : folders.filter((d) => wanted.some((w) => d.startsWith(w)));

const files = chosen.flatMap((day) =>
  readdirSync(join(root, day), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts') && !file.includes('node_modules'))
    .sort()
    .map((file) => join(day, file)),
);
if (files.length === 0) fail(`no *.test.ts files in ${chosen.join(', ')}`);

// A second reporter writes TAP to a file, so that the totals can be read back below.
const scratch = mkdtempSync(join(tmpdir(), 'geerpc-test-'));
const tapFile = join(scratch, 'report.tap');
const reporter = process.env.CI ? 'tap' : 'spec';
const result = spawnSync(
  process.execPath,
  [
    // tsx runs transformed code: without source maps, a failing test is reported at its
    // place in that code (client.test.ts:1:3563), not at its line in the file (121:3).
    '--enable-source-maps',
    '--import=tsx',
    '--import=./scripts/leak-check.ts',
    '--test',
    // A day's test file finishes in seconds; a reliability suite may take a minute or two.
    `--test-timeout=${chosen.some((d) => extra.includes(d)) ? 300_000 : 15_000}`,
    '--test-concurrency=2',
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tapFile}`,
    ...files,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    // See scripts/leak-check.ts: the etcd client's own reconnect timer outlives 1 s.
    env: {
      ...process.env,
      ...(chosen.includes('etcd') && { LEAK_GRACE_MS: '3000' }),
      ...(chosen.some((d) => extra.includes(d)) && { TEST_HANG_MS: '300000' }),
    },
  },
);
if (result.status !== 0) {
  rmSync(scratch, { recursive: true, force: true });
  process.exit(result.status ?? 1);
}
const tap = readFileSync(tapFile, 'utf8');
rmSync(scratch, { recursive: true, force: true });
const count = (name: string) => Number(tap.match(new RegExp(`^# ${name} (\\d+)$`, 'm'))?.[1] ?? 0);
if (count('pass') === 0) fail('the run passed no test: that is a failure, not a success');
if (count('skipped') + count('todo') > 0) fail('skipped or todo tests: every test must run');

function fail(message: string): never {
  console.error(`npm test: ${message}`);
  process.exit(1);
}
