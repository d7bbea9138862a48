/**
 * `npm run solution -- N K`: the reference solution of day N's exercise K
 * (`solutions/dayN/K.patch`), shown as a diff against day N.
 * `--mine` shows it against your playground copy (`npm run exercise -- N` makes one) instead.
 * `--apply` puts it into your playground copy, and will not overwrite a file you
 * changed there unless you add `--force`.
 * `--save` writes your playground copy's changes as the solution's patch (for the course's
 * authors: do the exercise in the playground, then save it).
 * `npm run test:solutions` proves every solution in CI (scripts/test-solutions.ts).
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { root } from './days.ts';
import {
  changesIn,
  copyDay,
  dayNamed,
  filesOf,
  listSolutions,
  patchBetween,
  playground,
  printPatch,
  solutionPatch,
  solved,
  writeTsconfig,
} from './playground.ts';

const usage = 'npm run solution -- N K [--mine | --apply [--force]]';
const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const [n, k] = args.filter((arg) => !arg.startsWith('--'));
const day = dayNamed(n, usage);
const copy = join(playground, day);
const patch = solutionPatch(n as string, k ?? '');

if (flags.has('--save') && k !== undefined) {
  if (!existsSync(copy)) {
    console.error(`solution: there is no playground/${day} to save`);
    process.exit(1);
  }
  mkdirSync(dirname(patch), { recursive: true });
  writeFileSync(patch, patchBetween(join(root, day), copy));
  console.log(`Wrote ${relative(root, patch)}: ${filesOf(patch).join(', ')}`);
  process.exit(0);
}
if (k === undefined || !existsSync(patch)) {
  const known = listSolutions(Number(n)).map(([, j]) => j);
  console.error(
    `usage: ${usage}; day ${n} has solutions for exercises ${known.join(', ') || 'none yet'}`,
  );
  process.exit(2);
}

const files = filesOf(patch);
const solution = solved(day, patch);
try {
  process.exitCode = flags.has('--apply') ? apply() : show();
} finally {
  solution.done();
}

// The patch, or with --mine its files against your copy: what the solution does that you did not.
function show(): number {
  if (!flags.has('--mine')) {
    console.log(`Day ${n}, exercise ${k}: ${relative(root, patch)}, against ${day}/\n`);
    printPatch(readFileSync(patch, 'utf8'));
  } else {
    if (!existsSync(copy)) {
      console.error(
        `solution: there is no playground/${day} yet; make it with: npm run exercise -- ${n}`,
      );
      return 1;
    }
    console.log(`Day ${n}, exercise ${k}: ${relative(root, patch)}, against playground/${day}/\n`);
    const diff = patchBetween(copy, solution.dir, files);
    if (diff === '') {
      console.log(`Your copy has every line of the solution: ${files.join(', ')}.`);
      return 0;
    }
    console.log('(- lines: your copy; + lines: the solution)\n');
    printPatch(diff);
    const others = changesIn(copy, day).filter((file) => !files.includes(file));
    if (others.length > 0)
      console.log(`\nYour copy also changes, where the solution does not: ${others.join(', ')}`);
  }
  console.log(`\nTo put it into playground/${day}/: npm run solution -- ${n} ${k} --apply`);
  return 0;
}

// Puts the solution's files into your copy (made first if there is none).
function apply(): number {
  if (!existsSync(copy)) {
    copyDay(day, copy);
    writeTsconfig(playground, 'tsconfig.json', ['**/*.ts']);
  }
  // A file you changed is kept, unless it already is the solution's or you say --force.
  const same = (file: string) =>
    existsSync(join(solution.dir, file)) &&
    readFileSync(join(copy, file)).equals(readFileSync(join(solution.dir, file)));
  const yours = changesIn(copy, day).filter(
    (file) => files.includes(file) && existsSync(join(copy, file)) && !same(file),
  );
  if (yours.length > 0 && !flags.has('--force')) {
    console.error(
      `solution: you changed ${yours.join(', ')} in playground/${day}; nothing copied.`,
    );
    const them = yours.length === 1 ? 'it' : 'them';
    console.error(`  To put the solution's over ${them}, yours kept as .mine:`);
    console.error(`  npm run solution -- ${n} ${k} --apply --force`);
    return 1;
  }
  // Your version of each file the solution replaces is kept beside it, as file.mine.
  for (const file of yours) cpSync(join(copy, file), join(copy, `${file}.mine`));
  if (yours.length > 0) console.log(`Yours kept as: ${yours.map((f) => `${f}.mine`).join(', ')}`);
  for (const file of files) {
    const from = join(solution.dir, file);
    if (!existsSync(from)) rmSync(join(copy, file), { force: true });
    else {
      mkdirSync(dirname(join(copy, file)), { recursive: true });
      cpSync(from, join(copy, file));
    }
  }
  console.log(`Put into playground/${day}: ${files.join(', ')}`);
  console.log(`  npm run exercise -- ${n} --test     type-check it and run its tests`);
  return 0;
}
