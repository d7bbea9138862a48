/**
 * What `npm run exercise` and `npm run solution` share: where a day's playground copy
 * lives, how a copy is made and compared with its day, and where the solutions are.
 * A playground copy is `playground/dayN-xxx/`, git-ignored, so the course's own tools
 * (diff, check, test, typecheck, lint) never see it. A solution is an overlay folder,
 * `solutions/dayN/K/`: the files it adds or changes, at their paths in the day.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { listDays, root } from './days.ts';

export const playground = join(root, 'playground');
export const solutions = join(root, 'solutions');

/** Every file under `folder` (absolute), as paths relative to it, node_modules left out. */
export function filesIn(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(folder, join(entry.parentPath, entry.name)))
    .filter((file) => !file.split('/').includes('node_modules'))
    .sort();
}

/** Day `n`'s folder name (`day4-timeout`), or exits with a usage line naming `usage`. */
export function dayNamed(arg: string | undefined, usage: string): string {
  const days = listDays();
  const day = days[Number(arg) - 1];
  if (!/^\d$/.test(arg ?? '') || day === undefined) {
    console.error(`usage: ${usage}, with N from 1 to ${days.length}`);
    process.exit(2);
  }
  return day;
}

/** The files of `copy` that differ from `day`'s, or that only one of them has. */
export function changesIn(copy: string, day: string): string[] {
  const original = join(root, day);
  const mine = filesIn(copy);
  const theirs = filesIn(original);
  const differs = (file: string) =>
    !existsSync(join(original, file)) ||
    !readFileSync(join(copy, file)).equals(readFileSync(join(original, file)));
  return [...mine.filter(differs), ...theirs.filter((file) => !mine.includes(file))].sort();
}

/** Copies `day` to `to` (a fresh folder: the caller removes an old one first). */
export function copyDay(day: string, to: string): void {
  cpSync(join(root, day), to, {
    recursive: true,
    filter: (source) => !source.split('/').includes('node_modules'),
  });
}

/**
 * Writes `folder/name`, a tsconfig with the course's own settings over `include` (globs
 * relative to `folder`, which sits under the repository), and returns its path. The
 * playground's `tsconfig.json` lets an editor check a copy's files as the day's are.
 */
export function writeTsconfig(folder: string, name: string, include: string[]): string {
  mkdirSync(folder, { recursive: true });
  const config = { extends: `${relative(folder, root)}/tsconfig.json`, include };
  writeFileSync(join(folder, name), `${JSON.stringify(config, null, 2)}\n`);
  return join(folder, name);
}

/** Type-checks the project `tsconfig` (tsc's own report on failure); true when clean. */
export function typecheck(tsconfig: string): boolean {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  return (
    spawnSync(process.execPath, [tsc, '-p', tsconfig], { cwd: root, stdio: 'inherit' }).status === 0
  );
}

/** Prints git's diff of two files (either may be `/dev/null`), `diff -u`'s where git is missing. */
export function showDiff(before: string, after: string): void {
  const args = ['--no-pager', 'diff', '--no-index', '--color=auto', before, after];
  const git = spawnSync('git', args, { cwd: root, stdio: 'inherit' });
  if (git.error !== undefined)
    spawnSync('diff', ['-u', before, after], { cwd: root, stdio: 'inherit' });
}

/** The solutions of day `n`'s exercises, as `[n, k]` pairs, in order; all days' when n is omitted. */
export function listSolutions(n?: number): [number, number][] {
  const days = existsSync(solutions) ? readdirSync(solutions) : [];
  return days
    .flatMap((dayDir) => {
      const day = Number(dayDir.replace(/^day/, ''));
      if (!/^day\d$/.test(dayDir) || (n !== undefined && day !== n)) return [];
      return readdirSync(join(solutions, dayDir))
        .filter((k) => /^\d+$/.test(k))
        .map((k): [number, number] => [day, Number(k)]);
    })
    .sort(([a, b], [c, d]) => a - c || b - d);
}
