/**
 * `npm run check`: the course's own rules, run in CI.
 * - every file of day N-1 is still in day N (a day is a copy plus one feature);
 * - the "What changed since yesterday" table of day N's chapter names exactly the files
 *   that differ from day N-1, each marked new or modified correctly;
 * - every line of a code excerpt in a chapter (a ```ts block that opens with `// file.ts`)
 *   is a line of that file, so that excerpts cannot drift from the code;
 * - no day imports from another day;
 * - the figures rules of check-figures.ts: each chapter's line counts are `npm run loc`'s
 *   (its title paragraph says `**N lesson lines**` and `M guard lines`), benchmark
 *   figures appear only in PERFORMANCE.md, and the root README's "Where to look for X"
 *   table names files and names that exist;
 * - a chapter's core path (outside its sidebars) is at most 2,000 words, the root
 *   README's at most 1,500 (`npm run loc` counts them).
 * Each failure names the day and the file, and what to write instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { checkBenchFigures, checkLineCounts, checkWhereToLook } from './check-figures.ts';
import { compareDays, listDays, listFiles, root } from './days.ts';
import { coreWords, type DaySize, daySize } from './size.ts';

// Lines that are only there to abridge an excerpt: blank, `...`, or a `// ...` comment.
const ABRIDGED = /^(\.\.\.|\/\/ \.\.\..*)?$/;

const CHAPTER_WORDS = 2_000;
const README_WORDS = 1_500;

const problems: string[] = [];
const days = listDays();
const sizes = days.map(daySize);

days.forEach((day, i) => {
  const previous = i === 0 ? undefined : days[i - 1];
  const { added, modified, removed } = compareDays(previous, day);
  for (const file of removed) problems.push(`${day}: ${file} is missing, but ${previous} has it`);
  checkChapter(day, previous, added, modified);
  checkExcerpts(day);
  checkImports(day);
  problems.push(...checkLineCounts(sizes[i] as DaySize, sizes[i - 1]));
  problems.push(...checkBenchFigures(`${day}/README.md`));
});
problems.push(...checkBenchFigures('README.md'), ...checkWhereToLook());
// The word budgets of the lesson/guard issue: extra depth goes into a sidebar (<details>).
for (const { day, coreWords: words } of sizes)
  if (words > CHAPTER_WORDS)
    problems.push(`${day}/README.md: ${words} core words, over ${CHAPTER_WORDS}`);
const readmeWords = coreWords(join(root, 'README.md'));
if (readmeWords > README_WORDS)
  problems.push(`README.md: ${readmeWords} core words, over ${README_WORDS}`);

for (const problem of problems) console.error(`course check: ${problem}`);
if (problems.length > 0) process.exit(1);
console.log(`course check: ${days.length} days, all rules hold`);

// The rows of the chapter's "What changed" table: `file` | new/modified | why.
function checkChapter(
  day: string,
  previous: string | undefined,
  added: string[],
  modified: string[],
) {
  const chapter = readFileSync(join(root, day, 'README.md'), 'utf8');
  const section = chapter
    .split(/^## /m)
    .find((part) => part.startsWith('What changed since yesterday'));
  if (section === undefined) {
    problems.push(`${day}/README.md has no "What changed since yesterday" section`);
    return;
  }
  const rows = new Map<string, string>();
  for (const [, file, kind] of section.matchAll(/^\| `([^`]+)` \| (new|modified) \|/gm)) {
    rows.set(file as string, kind as string);
  }
  const against = previous ?? 'nothing';
  for (const file of added) {
    if (rows.get(file) !== 'new')
      problems.push(
        `${day}/README.md: the table must list ${file} as new (${against} has no such file)`,
      );
  }
  for (const file of modified) {
    if (rows.get(file) !== 'modified')
      problems.push(
        `${day}/README.md: the table must list ${file} as modified (it differs from ${against})`,
      );
  }
  for (const file of rows.keys()) {
    if (!added.includes(file) && !modified.includes(file)) {
      problems.push(
        `${day}/README.md: the table lists ${file}, which is the same as in ${against} or does not exist`,
      );
    }
  }
}

function checkExcerpts(day: string) {
  const chapter = readFileSync(join(root, day, 'README.md'), 'utf8');
  for (const [, file, body] of chapter.matchAll(/^```ts\n\/\/ ([\w./-]+\.ts)\n([\s\S]*?)^```/gm)) {
    const path = join(root, day, file as string);
    if (!existsSync(path)) {
      problems.push(`${day}/README.md quotes ${file}, which does not exist`);
      continue;
    }
    const lines = new Set(
      readFileSync(path, 'utf8')
        .split('\n')
        .map((line) => line.trim()),
    );
    for (const line of (body as string).split('\n').map((l) => l.trim())) {
      if (!ABRIDGED.test(line) && !lines.has(line)) {
        problems.push(`${day}/README.md quotes ${file}, which has no line "${line}"`);
      }
    }
  }
}

// A relative import must resolve inside its own day folder.
function checkImports(day: string) {
  for (const file of listFiles(day).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(root, day, file), 'utf8');
    for (const [, spec] of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']*)'/g)) {
      const target = normalize(join(day, file, '..', spec as string));
      if (!target.startsWith(`${day}/`))
        problems.push(`${day}/${file} imports ${spec}, outside ${day}`);
    }
  }
}
