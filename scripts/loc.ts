/**
 * `npm run loc`: each day's size, the figures its chapter quotes (`npm run check` holds
 * the chapters to them). `npm run loc -- 4` (or `day4`, `day4-timeout`) prints one day.
 * - lesson lines: non-blank, non-comment lines of the day's `.ts` files, leaving out
 *   tests, `main.ts`, `trace.ts`, `test-helpers.ts`, `guard/` and `etcd/`;
 * - added: lesson lines against the day before;
 * - guard lines, etcd lines: the same count for `guard/`, and for day 7's etcd part;
 * - core words: the chapter's prose outside code blocks and `<details>` sidebars.
 */
import { join } from 'node:path';
import { listDays, root } from './days.ts';
import { coreWords, type DaySize, daySize, figure } from './size.ts';

const days = listDays();
const wanted = process.argv.slice(2).filter((arg) => arg !== '--');
const prefix = wanted[0]?.replace(/^(day)?(\d)$/, 'day$2-');
const chosen = prefix === undefined ? days : days.filter((day) => day.startsWith(prefix));
if (wanted.length > 1 || (chosen.length !== 1 && prefix !== undefined)) {
  console.error(`usage: npm run loc -- [N], with N from 1 to ${days.length}`);
  process.exit(2);
}

const sizes = days.map(daySize);
const header = ['day', 'lesson lines', 'added', 'guard lines', 'etcd lines', 'core words'];
const rows = sizes
  .map((size, i) => [size, sizes[i - 1]] as const)
  .filter(([size]) => chosen.includes(size.day))
  .map(([size, before]) => row(size, before));
const pages = prefix !== undefined ? [] : ['README.md', 'PERFORMANCE.md'];
// One write, so that `npm run loc | head` does not end in EPIPE.
console.log(
  [
    ...table([header, ...rows]),
    ...(pages.length > 0 ? [''] : []),
    ...pages.map((page) => `${page}: ${figure(coreWords(join(root, page)))} core words`),
  ].join('\n'),
);

function row(size: DaySize, before: DaySize | undefined): string[] {
  const added = size.lesson - (before?.lesson ?? 0);
  return [
    size.day,
    figure(size.lesson),
    `${added < 0 ? '-' : '+'}${figure(Math.abs(added))}`,
    figure(size.guard),
    figure(size.etcd),
    figure(size.coreWords),
  ];
}

// The first column to the left, the figures to the right.
function table(cells: string[][]): string[] {
  const widths = (cells[0] as string[]).map((_, i) =>
    Math.max(...cells.map((row) => (row[i] as string).length)),
  );
  return cells.map((row) =>
    row
      .map((cell, i) =>
        i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number),
      )
      .join('  '),
  );
}
