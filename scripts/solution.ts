/**
 * `npm run solution -- N K`: the reference solution of day N's exercise K
 * (`solutions/dayN/K/`, the files it adds or changes), shown as a diff against day N.
 * `--mine` shows it against your playground copy (`npm run exercise -- N` makes one) instead.
 * `--apply` copies it over your playground copy, and will not overwrite a file you
 * changed there unless you add `--force`.
 * `npm run test:solutions` proves every solution in CI (scripts/test-solutions.ts).
 */
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './days.ts';
import {
  changesIn,
  copyDay,
  dayNamed,
  filesIn,
  listSolutions,
  playground,
  showDiff,
  solutions,
  writeTsconfig,
} from './playground.ts';

const usage = 'npm run solution -- N K [--mine | --apply [--force]]';
const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const [n, k] = args.filter((arg) => !arg.startsWith('--'));
const day = dayNamed(n, usage);
const overlay = join(solutions, `day${n}`, k ?? '');
const files = filesIn(overlay);
if (k === undefined || files.length === 0) {
  const known = listSolutions(Number(n)).map(([, j]) => j);
  console.error(
    `usage: ${usage}; day ${n} has solutions for exercises ${known.join(', ') || 'none yet'}`,
  );
  process.exit(2);
}

const copy = join(playground, day);
if (!flags.has('--apply')) {
  // Against the day, or with --mine against your copy: what the solution does that you did not.
  const base = flags.has('--mine') ? relative(root, copy) : day;
  if (!existsSync(join(root, base))) {
    console.error(`solution: there is no ${base} yet; make it with: npm run exercise -- ${n}`);
    process.exit(1);
  }
  console.log(`Day ${n}, exercise ${k}: ${relative(root, overlay)}/ against ${base}/\n`);
  for (const file of files) {
    const before = join(base, file);
    showDiff(
      existsSync(join(root, before)) ? before : '/dev/null',
      relative(root, join(overlay, file)),
    );
  }
  console.log(`\nTo copy it over playground/${day}/: npm run solution -- ${n} ${k} --apply`);
} else {
  if (!existsSync(copy)) {
    copyDay(day, copy);
    writeTsconfig(playground, 'tsconfig.json', ['**/*.ts']);
  }
  // A file you changed is kept, unless it already is the solution's or you say --force.
  const yours = changesIn(copy, day).filter(
    (file) =>
      files.includes(file) &&
      existsSync(join(copy, file)) &&
      !readFileSync(join(copy, file)).equals(readFileSync(join(overlay, file))),
  );
  if (yours.length > 0 && !flags.has('--force')) {
    console.error(
      `solution: you changed ${yours.join(', ')} in playground/${day}; nothing copied.`,
    );
    console.error(`  To overwrite them: npm run solution -- ${n} ${k} --apply --force`);
    process.exit(1);
  }
  cpSync(overlay, copy, { recursive: true });
  console.log(`Copied into playground/${day}: ${files.join(', ')}`);
  console.log(`  npm run exercise -- ${n} --test     type-check it and run its tests`);
}
