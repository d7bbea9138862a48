/**
 * The bench's output: markdown tables, so that a run can be pasted into a chapter as it
 * is. Each figure is the median over the repetitions; the ratio is computed within each
 * repetition first (day and baseline measured side by side), then its median is taken.
 */
import { type AbResult, caseName } from './ab.ts';
import type { CaseResult, Sample } from './cases.ts';
import type { Contrast } from './contrasts.ts';
import type { MemoryResult } from './memory.ts';
import { median } from './stats.ts';

/** A markdown table with its columns padded, so that it also reads well in a terminal. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] as number)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

const integer = (n: number) => Math.round(n).toLocaleString('en-US');
const fixed = (digits: number) => (n: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
// Three significant figures at most: 0.0512 ms, 1.23 ms, 45.6 ms.
const ms = (n: number) => (n < 1 ? n.toFixed(3) : n < 10 ? n.toFixed(2) : n.toFixed(1));

// The median of one field across repetitions.
const med = (samples: Sample[], field: keyof Sample) => median(samples.map((s) => s[field]));

/** The day against the baseline, one row per case. */
export function casesTable(day: string, results: CaseResult[]): string {
  const rows = results.map((r) => {
    const ratios = r.day.map((d, i) => d.callsPerSec / (r.baseline[i] as Sample).callsPerSec);
    return [
      `${day} ${r.codec}${r.signal ? ' + a signal per call' : ''}`,
      String(r.inFlight),
      integer(med(r.day, 'callsPerSec')),
      integer(med(r.baseline, 'callsPerSec')),
      fixed(2)(median(ratios)),
      ms(med(r.day, 'p50Ms')),
      ms(med(r.day, 'p99Ms')),
      fixed(1)(med(r.day, 'clientMicrosPerCall')),
      fixed(1)(med(r.day, 'serverMicrosPerCall')),
    ];
  });
  const headers = ['case', 'in flight', 'calls/s', 'baseline calls/s', 'ratio', 'p50 ms'];
  headers.push('p99 ms', 'client µs/call', 'server µs/call');
  return table(headers, rows);
}

/** The baseline on its own: what the same load costs with no codec and no RPC. */
export function baselineTable(results: CaseResult[]): string {
  const rows = results.map((r) => [
    `raw framed echo (next to ${r.codec})`,
    String(r.inFlight),
    integer(med(r.baseline, 'callsPerSec')),
    ms(med(r.baseline, 'p50Ms')),
    ms(med(r.baseline, 'p99Ms')),
    fixed(1)(med(r.baseline, 'clientMicrosPerCall')),
    fixed(1)(med(r.baseline, 'serverMicrosPerCall')),
  ]);
  const headers = ['baseline', 'in flight', 'calls/s', 'p50 ms', 'p99 ms'];
  headers.push('client µs/call', 'server µs/call');
  return table(headers, rows);
}

export function memoryTable(results: MemoryResult[]): string {
  const rows = results.map((r) => [
    r.server + (r.gc ? '' : ' (no gc)'),
    integer(r.connections),
    fixed(1)(r.rssBeforeMiB),
    fixed(1)(r.rssKiBPerConn),
    integer(r.heapBytesPerConn),
  ]);
  const headers = ['server', 'idle connections', 'RSS before MiB', 'RSS KiB/conn', 'heap B/conn'];
  return table(headers, rows);
}

export function contrastsTable(results: Contrast[]): string {
  return table(
    ['contrast', 'calls/s'],
    results.map((r) => [r.name, integer(r.callsPerSec)]),
  );
}

// A sample's CPU per call, client and server together.
const cpu = (s: Sample) => s.clientMicrosPerCall + s.serverMicrosPerCall;

// The ratios a/b within each repetition: their median, and their spread (lowest–highest).
function ratios(a: Sample[], b: Sample[], of: (s: Sample) => number): string {
  const each = a.map((sample, i) => of(sample) / of(b[i] as Sample));
  const range = `${fixed(2)(Math.min(...each))}–${fixed(2)(Math.max(...each))}`;
  return `${fixed(2)(median(each))} (${range})`;
}

/**
 * The A/B run, one row per case: calls/s of old and new, the ratio new/old and the
 * control's ratio to new (each the median of the per-repetition ratios, with their
 * range), the same two ratios for the CPU time of a call (client and server together,
 * which a busy machine moves less than calls/s), and the p99 latency.
 */
export function abTable(results: AbResult[]): string {
  const rows = results.map(({ samples, ...c }) => {
    const { old, new: now, control } = samples;
    const calls = (s: Sample) => s.callsPerSec;
    const both = (field: keyof Sample, format: (n: number) => string) =>
      `${format(med(old, field))} → ${format(med(now, field))}`;
    return [
      caseName(c),
      both('callsPerSec', integer),
      ratios(now, old, calls),
      ratios(control, now, calls),
      `${fixed(1)(median(old.map(cpu)))} → ${fixed(1)(median(now.map(cpu)))}`,
      ratios(now, old, cpu),
      ratios(control, now, cpu),
      both('p99Ms', ms),
    ];
  });
  const headers = ['case', 'calls/s old → new', 'new/old', 'control/new'];
  headers.push('CPU µs/call old → new', 'CPU new/old', 'CPU control/new', 'p99 ms old → new');
  return table(headers, rows);
}
