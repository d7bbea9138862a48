/**
 * `npm run exercise -- N`: copies day N to `playground/dayN-xxx/`, where you do the
 * chapter's exercises ("Try it yourself") without touching the course's own folders.
 * It will not overwrite a copy you have changed: `--fresh` starts that copy over.
 * `npm run exercise -- N --test` type-checks the copy and runs its tests under the leak check;
 * `npm run exercise -- N --diff` shows what you changed against the day.
 */
import { existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { root } from './days.ts';
import {
  changesIn,
  copyDay,
  dayNamed,
  playground,
  showDiff,
  typecheck,
  writeTsconfig,
} from './playground.ts';
import { runTests, testFiles } from './run-tests.ts';

const args = process.argv.slice(2);
const flags = new Set(args.filter((arg) => arg.startsWith('--')));
const n = args.find((arg) => !arg.startsWith('--'));
const day = dayNamed(n, 'npm run exercise -- N [--fresh | --test | --diff]');
const copy = join(playground, day);
const shown = relative(root, copy);

if (flags.has('--test') || flags.has('--diff')) {
  if (!existsSync(copy)) {
    console.error(`exercise: there is no ${shown} yet; make it with: npm run exercise -- ${n}`);
    process.exit(1);
  }
  if (flags.has('--diff')) {
    const changed = changesIn(copy, day);
    if (changed.length === 0) console.log(`${shown}: no changes yet against ${day}`);
    for (const file of changed) {
      const [before, after] = [join(day, file), join(shown, file)];
      showDiff(
        existsSync(join(root, before)) ? before : '/dev/null',
        existsSync(after) ? after : '/dev/null',
      );
    }
  }
  if (flags.has('--test')) {
    const tsconfig = writeTsconfig(playground, `tsconfig.${day}.json`, [`${day}/**/*.ts`]);
    const typed = typecheck(tsconfig);
    if (!typed) console.error(`exercise: ${shown} has type errors (above); its tests run anyway`);
    else console.log(`exercise: ${shown} type-checks; its tests:`);
    const tested = runTests(testFiles(copy));
    // Last, so that "all passed" is not the final word on a copy that does not type-check.
    if (!typed) console.error(`exercise: not done: ${shown} has type errors (above the tests)`);
    process.exitCode = typed ? tested : 1;
  }
} else {
  const changed = existsSync(copy) ? changesIn(copy, day) : [];
  if (changed.length > 0 && !flags.has('--fresh')) {
    console.error(
      `exercise: ${shown} has your changes (${changed.join(', ')}); it is left as it is.`,
    );
    console.error(`  To start it over from ${day}: npm run exercise -- ${n} --fresh`);
    process.exit(1);
  }
  rmSync(copy, { recursive: true, force: true });
  copyDay(day, copy);
  writeTsconfig(playground, 'tsconfig.json', ['**/*.ts']);
  console.log(`${shown}: a fresh copy of ${day}. Work there, then:`);
  console.log(`  npm run exercise -- ${n} --test     type-check it and run its tests`);
  console.log(`  npm run exercise -- ${n} --diff     what you changed`);
  console.log(
    `  npm run solution -- ${n} K          exercise K's solution, as a diff against ${day}`,
  );
  console.log(`  npx tsx ${shown}/main.ts    its demo`);
}
