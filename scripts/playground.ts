/**
 * What `npm run exercise` and `npm run solution` share: where a day's playground copy
 * lives, how a copy is made and compared with its day, and where the solutions are.
 * A playground copy is `playground/dayN-xxx/`, git-ignored, so the course's own tools
 * (diff, check, test, typecheck, lint) never see it. A solution is a patch against its
 * day, `solutions/dayN/K.patch`: only the lines it adds or changes, so that it never
 * repeats the day's code (`npm run solution -- N K --save` writes one from a playground copy).
 */
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
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

/** Prints a patch, in git's colours on a terminal. */
export function printPatch(text: string): void {
  const colour = (line: string) =>
    /^(\+\+\+|---|diff |new file|deleted file)/.test(line)
      ? `\x1b[1m${line}\x1b[0m`
      : line.startsWith('+')
        ? `\x1b[32m${line}\x1b[0m`
        : line.startsWith('-')
          ? `\x1b[31m${line}\x1b[0m`
          : line.startsWith('@@')
            ? `\x1b[36m${line}\x1b[0m`
            : line;
  process.stdout.write(process.stdout.isTTY ? text.split('\n').map(colour).join('\n') : text);
}

/** The solutions of day `n`'s exercises, as `[n, k]` pairs, in order; all days' when n is omitted. */
export function listSolutions(n?: number): [number, number][] {
  const days = existsSync(solutions) ? readdirSync(solutions) : [];
  return days
    .flatMap((dayDir) => {
      const day = Number(dayDir.replace(/^day/, ''));
      if (!/^day\d$/.test(dayDir) || (n !== undefined && day !== n)) return [];
      return readdirSync(join(solutions, dayDir))
        .filter((k) => /^\d+\.patch$/.test(k))
        .map((k): [number, number] => [day, Number.parseInt(k, 10)]);
    })
    .sort(([a, b], [c, d]) => a - c || b - d);
}

/** The patch of day `n`'s exercise `k`. */
export function solutionPatch(n: number | string, k: number | string): string {
  return join(solutions, `day${n}`, `${k}.patch`);
}

/** The files a patch adds or changes, as paths in its day. */
export function filesOf(patch: string): string[] {
  const text = readFileSync(patch, 'utf8');
  return [...text.matchAll(/^diff --git a\/\S+ b\/(\S+)$/gm)].map((m) => m[1] as string).sort();
}

/**
 * Applies `patch` to the folder `to` with git, as GNU patch would (no repository: git is
 * kept from finding the course's own, which would make it skip paths under playground/).
 * Throws with git's message if a hunk does not apply.
 */
export function applyPatch(patch: string, to: string): void {
  const git = spawnSync('git', ['apply', '--whitespace=nowarn', patch], {
    cwd: to,
    env: { ...process.env, GIT_CEILING_DIRECTORIES: dirname(to) },
    encoding: 'utf8',
  });
  if (git.status !== 0) {
    const why = git.stderr || git.error?.message;
    throw new Error(`${relative(root, patch)} does not apply to ${relative(root, to)}:\n${why}`);
  }
}

/** Day `day` with the solution `patch` applied, in a temporary folder; `done()` removes it. */
export function solved(day: string, patch: string): { dir: string; done: () => void } {
  const dir = join(mkdtempSync(join(tmpdir(), 'geerpc-solution-')), day);
  const done = () => rmSync(dirname(dir), { recursive: true, force: true });
  try {
    copyDay(day, dir);
    applyPatch(patch, dir);
  } catch (err) {
    done();
    throw err;
  }
  return { dir, done };
}

/**
 * The patch that turns folder `from` into folder `to` (git's diff, paths as in the day),
 * over all their files, or only over `files`.
 */
export function patchBetween(from: string, to: string, files?: string[]): string {
  const scratch = mkdtempSync(join(tmpdir(), 'geerpc-patch-'));
  try {
    // Named a/ and b/ so that git's paths read a/file and b/file, as any patch's do.
    for (const [folder, side] of [
      [from, 'a'],
      [to, 'b'],
    ] as const) {
      mkdirSync(join(scratch, side));
      for (const file of files ?? filesIn(folder)) {
        if (!existsSync(join(folder, file))) continue;
        mkdirSync(dirname(join(scratch, side, file)), { recursive: true });
        cpSync(join(folder, file), join(scratch, side, file));
      }
    }
    const git = spawnSync('git', ['diff', '--no-index', '--no-prefix', 'a', 'b'], {
      cwd: scratch,
      env: { ...process.env, GIT_CEILING_DIRECTORIES: scratch },
      encoding: 'utf8',
    });
    // git diff exits 1 when the folders differ, 0 when they do not; anything else failed.
    if (git.status === null || git.status > 1) throw new Error(`git diff failed: ${git.stderr}`);
    return git.stdout
      .replace(/^index .*\n/gm, '')
      .replace(/^diff --git [ab]\/(\S+) [ab]\/(\S+)$/gm, 'diff --git a/$1 b/$2');
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
