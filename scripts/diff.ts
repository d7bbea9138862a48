/**
 * `npm run diff -- N`: what day N changed against day N-1. First the files added,
 * modified and removed, then the diff of each code file (git's, which works on any two
 * files, in a repository or not; `diff -u` where git is missing).
 * Both read the day's idea first: the lesson files, each followed by its tests, then the
 * demo and its helpers, then `guard/`, then day 7's etcd part.
 */
import { spawnSync } from 'node:child_process';
import { basename, dirname } from 'node:path';
import { compareDays, listDays, listFiles, root } from './days.ts';
import { isTest, type Part, partOf } from './size.ts';

const days = listDays();
const n = Number(process.argv[2]);
if (!Number.isInteger(n) || n < 2 || n > days.length) {
  console.error(`usage: npm run diff -- N, with N from 2 to ${days.length}`);
  process.exit(2);
}
const [previous, day] = [days[n - 2] as string, days[n - 1] as string];
const { added, modified, removed } = compareDays(previous, day);
const inOrder = readingOrder(new Set([...listFiles(previous), ...listFiles(day)]));

console.log(`${day} against ${previous}:\n`);
const labels = [
  ...added.map((file) => ['added', file]),
  ...modified.map((file) => ['modified', file]),
  ...removed.map((file) => ['removed', file]),
] as const;
for (const [label, file] of [...labels].sort(([, a], [, b]) => inOrder(a, b)))
  console.log(`  ${label.padEnd(9)} ${file}`);
console.log();

// The chapter is rewritten every day: read it, rather than a diff of it.
const shown = [...modified, ...added].filter((file) => file !== 'README.md').sort(inOrder);
console.log('(README.md, the chapter, is left out of the diff below: read it instead.)\n');
for (const file of shown) {
  const before = added.includes(file) ? '/dev/null' : `${previous}/${file}`;
  const git = spawnSync(
    'git',
    ['--no-pager', 'diff', '--no-index', '--color=auto', before, `${day}/${file}`],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
  if (git.error !== undefined)
    spawnSync('diff', ['-u', before, `${day}/${file}`], { cwd: root, stdio: 'inherit' });
}

/**
 * A comparison of two paths of a day, in reading order: by part (the chapter, the lesson,
 * the demo, guards, etcd), then by the code file, with a test right after the file it
 * tests. A test's file is the one its name starts with in its folder (`server-limits.test.ts`
 * tests `server.ts`); a test with no such file comes after the rest of its folder.
 */
function readingOrder(files: Set<string>) {
  const rank: Record<Part, number> = { chapter: 0, lesson: 1, support: 2, guard: 3, etcd: 4 };
  const key = (file: string): [number, string, number, string] => {
    if (!isTest(file)) return [rank[partOf(file)], file, 0, file];
    const dir = dirname(file) === '.' ? '' : `${dirname(file)}/`;
    const stem = basename(file, '.test.ts');
    const tested = [...files]
      .filter((f) => dirname(f) === dirname(file) && f.endsWith('.ts') && !isTest(f))
      .filter((f) => stem === basename(f, '.ts') || stem.startsWith(`${basename(f, '.ts')}-`))
      .sort((a, b) => b.length - a.length)[0];
    if (tested === undefined) return [rank[partOf(file)], `${dir}\uffff`, 1, file];
    return [rank[partOf(tested)], tested, 1, file];
  };
  return (a: string, b: string) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) {
      if (ka[i] !== kb[i]) return (ka[i] as number | string) < (kb[i] as number | string) ? -1 : 1;
    }
    return 0;
  };
}
