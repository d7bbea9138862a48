/**
 * What the course tooling knows about day folders: which exist, and which files one
 * day adds, changes or drops against the day before. Used by diff.ts, check.ts and size.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** The day folders, in order: `day1-codec`, `day2-client`, ... */
export function listDays(): string[] {
  return readdirSync(root)
    .filter((name) => /^day\d-/.test(name))
    .sort();
}

/** Every file in a day folder, as paths relative to it. */
export function listFiles(day: string): string[] {
  return readdirSync(join(root, day), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(join(root, day).length + 1))
    .filter((file) => !file.split('/').includes('node_modules'))
    .sort();
}

export interface DayChanges {
  added: string[];
  modified: string[];
  removed: string[];
}

/** What `day` changed against `previous` (all of it is added when there is none). */
export function compareDays(previous: string | undefined, day: string): DayChanges {
  const before = new Set(previous === undefined ? [] : listFiles(previous));
  const after = listFiles(day);
  const read = (d: string, file: string) => readFileSync(join(root, d, file));
  return {
    added: after.filter((file) => !before.has(file)),
    modified: after.filter(
      (file) => before.has(file) && !read(previous as string, file).equals(read(day, file)),
    ),
    removed: [...before].filter((file) => !after.includes(file)),
  };
}
