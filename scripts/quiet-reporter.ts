/**
 * The test reporter of `npm test` (scripts/run-tests.ts): quiet on success, complete on
 * failure. It prints one line per day (or per playground copy) with its counts, and at
 * the end, in full, only what failed: each failing test with its name, assertion and
 * stack, as Node's own spec reporter prints it, and what its file wrote to stderr (the
 * leak check's messages among it). `npm test -- --verbose` uses the spec reporter instead.
 */
import { Readable } from 'node:stream';
import { spec } from 'node:test/reporters';

interface TestEvent {
  type: string;
  data: {
    name?: string;
    nesting?: number;
    file?: string;
    message?: string;
    details?: { type?: string; duration_ms?: number };
    skip?: string | boolean;
    todo?: string | boolean;
  };
}

interface Group {
  passed: number;
  failed: number;
  ms: number;
}

export default async function* quietReporter(source: AsyncIterable<TestEvent>) {
  const started = Date.now();
  const byFile = new Map<string, TestEvent[]>();
  const failedFiles = new Set<string>();
  const groups = new Map<string, Group>();
  const progress = process.stdout.isTTY ? new Progress() : undefined;
  for await (const event of source) {
    const { file, nesting, name, details } = event.data;
    if (file === undefined) continue; // the run's own totals: the summary below says them
    const events = byFile.get(file) ?? [];
    byFile.set(file, events);
    events.push(event);
    if (event.type === 'test:stderr' || event.type === 'test:stdout') failedFiles.add(file);
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const group = groupOf(file);
    const counts = groups.get(group) ?? { passed: 0, failed: 0, ms: 0 };
    groups.set(group, counts);
    const wrapper = name === file; // Node 20 reports a whole file as a test that fails on exit
    if (nesting === 0 && !wrapper) counts.ms += details?.duration_ms ?? 0;
    if (event.type === 'test:fail') failedFiles.add(file);
    if (details?.type === 'suite') continue;
    if (event.type === 'test:pass') counts.passed++;
    else counts.failed++;
    yield progress?.update(groups) ?? '';
  }
  yield progress?.clear() ?? '';
  for (const [group, { passed, failed, ms }] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const failures = failed > 0 ? `, ${failed} FAILED` : '';
    yield `  ${group.padEnd(28)} ${String(passed).padStart(4)} passed${failures}  (${seconds(ms)} in tests)\n`;
  }
  if (failedFiles.size > 0) {
    yield '\nWhat failed, in full:\n\n';
    const failing = [...failedFiles].sort().flatMap((file) => onlyFailures(byFile.get(file) ?? []));
    for await (const chunk of Readable.from(failing).compose(new spec())) yield chunk;
  }
  const all = [...groups.values()];
  const passed = all.reduce((sum, g) => sum + g.passed, 0);
  const failed = all.reduce((sum, g) => sum + g.failed, 0);
  const outcome = failed > 0 ? `${failed} FAILED, ${passed} passed` : `all ${passed} passed`;
  yield `\n${outcome}, ${byFile.size} files, ${seconds(Date.now() - started)}\n`;
}

/** The day folder a test file belongs to, from the working directory: `day4-timeout`,
 * `playground/day4-timeout`; `reliability` for files outside any day. */
function groupOf(file: string): string {
  const parts = file.slice(process.cwd().length + 1).split('/');
  const day = parts.findIndex((part) => /^day\d-/.test(part));
  return parts.slice(0, day === -1 ? 1 : day + 1).join('/');
}

/** A file's events without the tests that passed (each start with its pass, found by nesting). */
function onlyFailures(events: TestEvent[]): TestEvent[] {
  const dropped = new Set<number>();
  const open: number[] = [];
  events.forEach((event, i) => {
    if (event.type === 'test:start') open.push(i);
    if (event.type !== 'test:pass' && event.type !== 'test:fail') return;
    let start = open.length - 1;
    while (start >= 0 && events[open[start] as number]?.data.nesting !== event.data.nesting)
      start--;
    const [opened] = start === -1 ? [] : open.splice(start);
    if (event.type === 'test:pass') dropped.add(i).add(opened ?? i);
  });
  const kept = new Set(['test:start', 'test:pass', 'test:fail', 'test:stderr', 'test:stdout']);
  return events.filter((event, i) => kept.has(event.type) && !dropped.has(i));
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** One line on a terminal that counts the tests as they finish, redrawn at most 10 times a second. */
class Progress {
  #drawn = 0;
  update(groups: Map<string, Group>): string {
    if (Date.now() - this.#drawn < 100) return '';
    this.#drawn = Date.now();
    const all = [...groups.values()];
    const passed = all.reduce((sum, g) => sum + g.passed, 0);
    const failed = all.reduce((sum, g) => sum + g.failed, 0);
    return `\r\x1b[K  running: ${passed} passed${failed > 0 ? `, ${failed} failed` : ''}`;
  }
  clear(): string {
    return '\r\x1b[K';
  }
}

/**
 * A second reporter beside the first (scripts/run-tests.ts), writing JSON: the tests that
 * passed per day (so that `npm test` can hold the chapters to the counts they quote), and
 * how many were skipped or left todo (a run with any fails).
 */
export async function* countReporter(source: AsyncIterable<TestEvent>) {
  const passed: Record<string, number> = {};
  let skipped = 0;
  for await (const { type, data } of source) {
    if (type !== 'test:pass' || data.file === undefined || data.details?.type === 'suite') continue;
    if (data.skip !== undefined || data.todo !== undefined) skipped++;
    else passed[groupOf(data.file)] = (passed[groupOf(data.file)] ?? 0) + 1;
  }
  yield JSON.stringify({ passed, skipped });
}
