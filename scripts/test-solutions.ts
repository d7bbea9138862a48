/**
 * `npm run test:solutions`: proves every exercise's reference solution, in CI. Each
 * `solutions/dayN/K.patch` is applied to a fresh copy of day N in a scratch folder under the
 * repository (git-ignored, removed after); the copies are type-checked and linted, then the
 * day's tests and the solution's own "Done when" tests run under the leak check, all in one run.
 * So a solution, its test and its day cannot drift apart. `-- N` or `-- N K` proves fewer.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { listDays, root } from './days.ts';
import {
  applyPatch,
  copyDay,
  filesOf,
  listSolutions,
  solutionPatch,
  typecheck,
  writeTsconfig,
} from './playground.ts';
import { runTests, testFiles } from './run-tests.ts';

const [n, k] = process.argv.slice(2).map(Number);
const chosen = listSolutions(n).filter(([, j]) => k === undefined || j === k);
if (chosen.length === 0) {
  console.error(
    `test:solutions: no solution matches ${process.argv.slice(2).join(' ') || 'anything'}`,
  );
  process.exit(1);
}

const scratch = join(root, '.solutions-check');
rmSync(scratch, { recursive: true, force: true });
try {
  const problems: string[] = [];
  const touched: string[] = [];
  const copies = chosen.map(([day, j]) => {
    const patch = solutionPatch(day, j);
    const files = filesOf(patch);
    if (!files.some((file) => file.endsWith('.test.ts')))
      problems.push(
        `solutions/day${day}/${j}.patch has no *.test.ts: it must carry its "Done when" test`,
      );
    const copy = join(scratch, `solution-${day}.${j}`, listDays()[day - 1] as string);
    copyDay(listDays()[day - 1] as string, copy);
    applyPatch(patch, copy);
    touched.push(...files.map((file) => join(copy, file)));
    return copy;
  });
  console.log(`test:solutions: ${chosen.map(([day, j]) => `${day}.${j}`).join(' ')}`);
  const typed = typecheck(writeTsconfig(scratch, 'tsconfig.json', ['**/*.ts']));
  if (!typed) problems.push('a solution does not type-check (tsc above)');
  // The course's lint, on the files the solutions write (git ignores the scratch folder).
  const biome = join(root, 'node_modules', '.bin', 'biome');
  const lint = spawnSync(biome, ['check', '--vcs-use-ignore-file=false', ...touched], {
    cwd: root,
    stdio: 'inherit',
  });
  if (lint.status !== 0) problems.push('a solution does not pass the lint (biome above)');
  const tested = runTests(copies.flatMap(testFiles));
  if (tested !== 0) problems.push('a solution fails its tests (above)');
  for (const problem of problems) console.error(`test:solutions: ${problem}`);
  process.exitCode = problems.length > 0 ? 1 : 0;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
