/**
 * The folders an A/B run compares, made in a temporary directory: the day as it is in a
 * git ref (`git archive`, so the repository's own worktrees and index are left alone),
 * and two copies of the day as it is in this tree, one to measure and one to measure it
 * against (the self-vs-self control). Copies, so that editing the tree during a run
 * changes nothing, and so that all three load from the same kind of path.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface Trees {
  ref: string; // as given, with its commit: `HEAD~3 (c470c24)`
  old: string; // absolute folder of the day as in the ref
  new: string; // ... as in this tree
  control: string; // a second copy of `new`
  remove: () => void;
}

function git(args: string[]): string {
  return execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' }).trim();
}

// A side's folder: the day, a package.json that makes its .ts files ES modules, and this
// tree's node_modules (days share only their npm dependencies, never each other's files).
function side(base: string, name: string): string {
  const dir = join(base, name);
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

/** Makes the three folders for `day` (a day folder's name); `remove()` deletes them all. */
export function prepareTrees(ref: string, day: string): Trees {
  let commit: string;
  try {
    commit = git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new Error(`--against: ${ref} is not a commit here`);
  }
  // The day of the same number in the ref: its folder may have had another name then.
  const number = day.slice(0, day.indexOf('-') + 1);
  const refDay = git(['ls-tree', '--name-only', commit])
    .split('\n')
    .find((name) => name.startsWith(number));
  if (refDay === undefined) throw new Error(`--against: ${ref} has no ${number}* folder`);
  const base = mkdtempSync(join(tmpdir(), 'geerpc-ab-'));
  const remove = () => rmSync(base, { recursive: true, force: true });
  process.once('exit', remove); // Ctrl-C ends the run by process.exit() (processes.ts)
  try {
    const old = side(base, 'old');
    const archive = execFileSync('git', ['-C', root, 'archive', '--format=tar', commit, refDay], {
      maxBuffer: 256 * 2 ** 20,
    });
    execFileSync('tar', ['-x', '-C', old], { input: archive });
    const copies = ['new', 'control'].map((name) => {
      const dir = side(base, name);
      cpSync(join(root, day), join(dir, day), { recursive: true });
      return join(dir, day);
    });
    writeFileSync(join(base, 'README'), `geerpc bench --against ${ref}: deleted after the run\n`);
    return {
      ref: `${ref} (${commit.slice(0, 7)})`,
      old: join(old, refDay),
      new: copies[0] as string,
      control: copies[1] as string,
      remove,
    };
  } catch (err) {
    remove();
    throw err;
  }
}
