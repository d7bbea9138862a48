/**
 * `npm test`: runs every day's tests in one node:test run with one summary: a line per
 * day on success, every failure in full (scripts/quiet-reporter.ts).
 * `npm test -- day2` (or `-- 2`, or `npm run test:day2`) runs one day;
 * `npm test -- reliability` (`npm run test:reliability`) the fuzz, fault and load suites;
 * `npm run test:etcd` day 7's etcd registry against a real etcd.
 * `npm test -- --verbose` prints every test (Node's spec reporter); with CI set, TAP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { listDays, root } from './days.ts';
import { runTests, testFiles } from './run-tests.ts';

const days = listDays();
// Run only when named: they take a minute or two, and are CI's, not a learner's.
const extra = ['reliability', 'etcd'];
const args = process.argv.slice(2);
const verbose = args.includes('--verbose');
const wanted = args
  .filter((arg) => arg !== '--verbose')
  .map((arg) => arg.replace(/^(day)?(\d)$/, 'day$2-'));
const folders = [...days, ...extra];
const unknown = wanted.filter((prefix) => !folders.some((day) => day.startsWith(prefix)));
if (unknown.length > 0) {
  console.error(
    `npm test: no day matches ${unknown.join(', ')}; the days are ${days.join(', ')} (and ${extra})`,
  );
  process.exit(1);
}
const chosen =
  wanted.length === 0 ? days : folders.filter((d) => wanted.some((w) => d.startsWith(w)));
const slow = chosen.some((d) => extra.includes(d));

// How a chapter's "Test it" quotes its count: "Both run its 102 tests".
const QUOTED = /\brun (?:the day's |its |the same )?([\d,]+) tests/;
let miscounted = false;

// Each day run is held to the count of tests its chapter quotes.
function checkQuotedCounts(passed: Record<string, number>): void {
  for (const day of days.filter((d) => chosen.includes(d))) {
    const quoted = readFileSync(join(root, day, 'README.md'), 'utf8').match(QUOTED)?.[1];
    if (quoted === undefined || Number(quoted.replace(/,/g, '')) === passed[day]) continue;
    console.error(`npm test: ${day}/README.md says "${quoted} tests"; ${passed[day]} passed`);
    miscounted = true;
  }
}

process.exitCode = runTests(
  chosen.flatMap((day) => testFiles(join(root, day))),
  {
    counts: checkQuotedCounts,
    // A day's test file finishes in seconds; a reliability suite may take a minute or two.
    timeoutMs: slow ? 300_000 : 15_000,
    reporter: process.env.CI ? 'tap' : verbose ? 'spec' : 'quiet',
    env: {
      // See scripts/leak-check.ts: the etcd client's own reconnect timer outlives 1 s.
      ...(chosen.includes('etcd') && { LEAK_GRACE_MS: '3000' }),
      ...(slow && { TEST_HANG_MS: '300000' }),
    },
  },
);
if (miscounted) process.exitCode = 1;
