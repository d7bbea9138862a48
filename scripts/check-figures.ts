/**
 * The figures rules of `npm run check`: a figure lives in one place, and a page that
 * quotes it says what that place says.
 * - A chapter's line counts are `npm run loc`'s. Its title paragraph says
 *   `**N lesson lines**` and `M guard lines`; anywhere outside code blocks,
 *   `N lesson lines`, `N guard lines` and `N etcd lines` are the day's, and with
 *   `added` after them, what the day added to the day before.
 * - Figures of `npm run bench` (calls/s, µs per call) live in PERFORMANCE.md only;
 *   chapters and the root README link there.
 * - Each file of the root README's "Where to look for X" table exists, and holds the
 *   names that the row gives for it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { root } from './days.ts';
import { type DaySize, figure } from './size.ts';

/**
 * The paragraphs of a Markdown page outside ``` code blocks, each on one line (a figure
 * and its unit may be wrapped apart), with the line number each starts on.
 */
function paragraphs(text: string): { text: string; at: number }[] {
  const found: { text: string; at: number }[] = [];
  let inCode = false;
  let open = false;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) inCode = !inCode;
    const last = found.at(-1);
    if (inCode || line.startsWith('```') || line.trim() === '') open = false;
    else if (open && last !== undefined) last.text += ` ${line.trim()}`;
    else {
      found.push({ text: line.trim(), at: i + 1 });
      open = true;
    }
  });
  return found;
}

// The first paragraph after the chapter's `# ` title.
function titleParagraph(chapter: string): string {
  const lines = chapter.split('\n');
  const start = lines.findIndex((line) => line.startsWith('# ')) + 1;
  const from = lines.findIndex((line, i) => i >= start && line.trim() !== '');
  const end = lines.findIndex((line, i) => i > from && line.trim() === '');
  return lines.slice(from, end === -1 ? undefined : end).join(' ');
}

const number = (text: string) => Number(text.replaceAll(',', ''));

/** What is wrong with the line counts that `day`'s chapter quotes. */
export function checkLineCounts(size: DaySize, before: DaySize | undefined): string[] {
  const page = `${size.day}/README.md`;
  const chapter = readFileSync(join(root, page), 'utf8');
  const problems: string[] = [];
  const want = { lesson: size.lesson, guard: size.guard, etcd: size.etcd };
  const added = {
    lesson: size.lesson - (before?.lesson ?? 0),
    guard: size.guard - (before?.guard ?? 0),
    etcd: size.etcd - (before?.etcd ?? 0),
  };
  // The title paragraph must quote both totals; a wrong figure is reported just below.
  const title = titleParagraph(chapter);
  if (!/\*\*\d[\d,]*\s+lesson\s+lines\*\*(?!\s+added)/.test(title))
    problems.push(
      `${page}: the title paragraph must say **${figure(size.lesson)} lesson lines** (npm run loc)`,
    );
  if (!/\d[\d,]*\**\s+guard\s+lines(?!\**\s+added)/.test(title))
    problems.push(
      `${page}: the title paragraph must say ${figure(size.guard)} guard lines (npm run loc)`,
    );
  const claim = /(\d[\d,]*)\**\s+(lesson|guard|etcd)\s+lines?(\**\s+added)?/g;
  for (const { text: line, at } of paragraphs(chapter)) {
    for (const [text, count, kind, isAdded] of line.matchAll(claim)) {
      const part = kind as keyof typeof want;
      const right = isAdded === undefined ? want[part] : added[part];
      if (number(count as string) !== right)
        problems.push(
          `${page}:${at}: "${text}" should be ${figure(right)} ${part} lines${isAdded === undefined ? '' : ' added'} (npm run loc)`,
        );
    }
    for (const [text] of line.matchAll(/\d[\d,]* lines of library code/g))
      problems.push(
        `${page}:${at}: "${text}" is the old wording; quote **${figure(size.lesson)} lesson lines** and ${figure(size.guard)} guard lines`,
      );
  }
  return problems;
}

// "71,400 calls/s", "9.6 µs per call", or a table with such a column.
const BENCH_FIGURE = /\d[\d,.]*\s*(calls\/s|calls per second|µs\/call|µs per call)/g;
const BENCH_COLUMN = /^\|.*\|\s*(calls\/s|[^|]*µs\/call)\s*\|/;

/** Benchmark figures on `page` (relative to the root), which only PERFORMANCE.md may quote. */
export function checkBenchFigures(page: string): string[] {
  if (!existsSync(join(root, page))) return [];
  const problems: string[] = [];
  const where = 'live in PERFORMANCE.md only: link there instead';
  for (const { text, at } of paragraphs(readFileSync(join(root, page), 'utf8'))) {
    if (BENCH_COLUMN.test(text))
      problems.push(`${page}:${at}: a table of npm run bench's figures; they ${where}`);
    else
      for (const [figure] of text.matchAll(BENCH_FIGURE))
        problems.push(
          `${page}:${at}: "${figure}" is one of npm run bench's figures, which ${where}`,
        );
  }
  return problems;
}

/**
 * The root README's "Where to look for X" rows, as "`day1-codec/server.ts`: `#readOption`,
 * `checkOption`; `codec/frame.ts`: ...": each file exists (a short path is taken from the
 * row's last file's folder, or its day), each name after a file's colon occurs in it, and
 * each day file a command names (`npx tsx day1-codec/main.ts --trace`) exists.
 */
export function checkWhereToLook(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Where to look for'));
  if (section === undefined) return ['README.md has no "Where to look for X" section'];
  const problems: string[] = [];
  for (const row of section.split('\n').filter((line) => /^\| .* \| .* \|$/.test(line))) {
    const cell = (row.split(' | ').at(-1) as string).replace(/ \|$/, '');
    let last = ''; // the row's last file found, for short paths after it
    for (const segment of cell.split(';')) {
      const colon = segment.indexOf('`:') + 1 || segment.length;
      let file: string | undefined;
      for (const [, token] of segment.slice(0, colon).matchAll(/`([^`]+)`/g)) {
        const paths = /^[\w./-]+\.(ts|md)$/.test(token as string)
          ? [token as string]
          : ((token as string).match(/day\d-[\w-]+\/[\w./-]+\.ts/g) ?? []);
        for (const path of paths) {
          file = [path, join(dirname(last), path), join(last.split('/')[0] as string, path)].find(
            (f) => /^(day\d-|scripts\/)/.test(f) && existsSync(join(root, f)),
          );
          if (file === undefined) problems.push(`README.md, "Where to look": no file ${path}`);
          else last = file;
        }
      }
      if (file === undefined) continue;
      const source = readFileSync(join(root, file), 'utf8');
      for (const [, name] of segment.slice(colon).matchAll(/`([^`]+)`/g)) {
        const words = (name as string).replace(/\(\)|<.*>/g, '').split('.');
        if (!words.every((word) => source.includes(word)))
          problems.push(`README.md, "Where to look": ${file} has no ${name}`);
      }
    }
  }
  return problems;
}
