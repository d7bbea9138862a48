/**
 * `npm run diff -- N`: what day N changed against day N-1. First the files added,
 * modified and removed, then the diff of each code file (git's, which works on any two
 * files, in a repository or not; `diff -u` where git is missing).
 */
import { spawnSync } from 'node:child_process';
import { compareDays, listDays, root } from './days.ts';

const days = listDays();
const n = Number(process.argv[2]);
if (!Number.isInteger(n) || n < 2 || n > days.length) {
  console.error(`usage: npm run diff -- N, with N from 2 to ${days.length}`);
  process.exit(2);
}
const [previous, day] = [days[n - 2] as string, days[n - 1] as string];
const { added, modified, removed } = compareDays(previous, day);

console.log(`${day} against ${previous}:\n`);
for (const [label, files] of [
  ['added', added],
  ['modified', modified],
  ['removed', removed],
] as const) {
  for (const file of files) console.log(`  ${label.padEnd(9)} ${file}`);
}
console.log();

// The chapter is rewritten every day: read it, rather than a diff of it.
const shown = [...modified, ...added].filter((file) => file !== 'README.md');
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
