/**
 * How big a day is: its lesson lines, guard lines and etcd lines, and the core words of a
 * chapter. The one definition behind `npm run loc`, `npm run diff` (which reads the lesson
 * first) and `npm run check` (which holds each chapter's figures to these).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { root } from './days.ts';

/**
 * Which part of a day a file belongs to:
 * - `lesson`: GeeRPC's files, what the chapter walks through;
 * - `guard`: defences the lesson calls in one line, under `guard/`;
 * - `etcd`: day 7's last section, under `etcd/` (and `etcd*.ts`, `discovery-etcd.ts`);
 * - `support`: the demo and what only demos and tests use (`main.ts`, `trace.ts`,
 *   `test-helpers.ts`, `leak-check.ts`);
 * - `chapter`: the day's `README.md`.
 * A test belongs to the part of the code it sits beside.
 */
export type Part = 'chapter' | 'lesson' | 'support' | 'guard' | 'etcd';

const SUPPORT = new Set(['main.ts', 'trace.ts', 'test-helpers.ts', 'leak-check.ts']);

/** The part of a day that `file` (relative to the day folder) belongs to. */
export function partOf(file: string): Part {
  const path = `/${file}`;
  const name = basename(file);
  if (file === 'README.md') return 'chapter';
  if (path.includes('/guard/')) return 'guard';
  if (SUPPORT.has(name)) return 'support';
  if (path.includes('/etcd/') || /^etcd.*\.ts$/.test(name) || name === 'discovery-etcd.ts')
    return 'etcd';
  return 'lesson';
}

export const isTest = (file: string) => file.endsWith('.test.ts');

/** A day's size: lines of code per part, and its chapter's core words. */
export interface DaySize {
  day: string;
  lesson: number;
  guard: number;
  etcd: number;
  coreWords: number;
}

/** The size of one day folder, e.g. `day4-timeout`. */
export function daySize(day: string): DaySize {
  const size: DaySize = { day, lesson: 0, guard: 0, etcd: 0, coreWords: 0 };
  for (const file of tsFiles(day)) {
    const part = partOf(file); // anything under guard/ is a guard, even a `main.ts`
    if (isTest(file) || part === 'support' || part === 'chapter') continue;
    size[part] += codeLines(readFileSync(join(root, day, file), 'utf8'));
  }
  size.coreWords = coreWords(join(root, day, 'README.md'));
  return size;
}

// Every `.ts` file under a day, as `find` lists them: hidden ones and symlinks included.
function tsFiles(day: string): string[] {
  const dir = join(root, day);
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => statSync(path, { throwIfNoEntry: false })?.isFile() === true)
    .map((path) => path.slice(dir.length + 1));
}

// Blank lines and lines that open with `//`, `/*` or `*` do not count. The same rule as
// `grep -vE '^\s*($|//|/\*\*?|\*)'`, with grep's `\s` spelled out in ASCII.
const NOT_CODE = /^[ \t\r\f\v]*($|\/\/|\/\*|\*)/;

/** Lines of code in a file's text: neither blank nor comment-led. */
export function codeLines(text: string): number {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop(); // the newline that ends the last line
  return lines.filter((line) => !NOT_CODE.test(line)).length;
}

/**
 * The words of a Markdown page's core path: prose outside ``` code blocks and outside
 * `<details>` sidebars, HTML tags left out, words split on spaces and tabs. A line that
 * opens or closes a sidebar is part of the sidebar. 0 for a page that does not exist.
 */
export function coreWords(path: string): number {
  if (!existsSync(path)) return 0;
  let [inCode, depth, words] = [false, 0, 0];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.startsWith('```')) inCode = !inCode;
    if (line.startsWith('```') || inCode) continue;
    if (line.includes('<details')) depth++;
    if (depth === 0)
      words += line
        .replace(/<[^>]*>/g, ' ')
        .split(/[ \t]+/)
        .filter(Boolean).length;
    if (line.includes('</details>') && depth > 0) depth--;
  }
  return words;
}

/** `1881` as `1,881`, the way the chapters write figures. */
export const figure = (n: number) => n.toLocaleString('en-US');
