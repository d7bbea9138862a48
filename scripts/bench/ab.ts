/**
 * The A/B mode (`npm run bench -- --against <ref>`): the day as it is in a git ref (old),
 * as it is in this tree (new), and a second copy of new (the control), measured in the
 * same run, one after another, repetition after repetition. A speed claim is the ratio
 * new/old within each repetition; the control's ratio to new, which should be 1, shows
 * how far this machine's noise alone moves such a ratio.
 */
import {
  type Case,
  measure,
  type Sample,
  type Side,
  startDayClient,
  type Timing,
} from './cases.ts';
import { type Child, startChild } from './processes.ts';
import type { ServerReady } from './server-process.ts';

export const SIDES = ['old', 'new', 'control'] as const;
export type SideName = (typeof SIDES)[number];

export interface AbResult extends Case {
  samples: Record<SideName, Sample[]>; // samples.x[i] were all measured in repetition i
}

type Servers = Record<SideName, Child<ServerReady>>;

/** Runs every case on the three days (absolute folders), with one server process each. */
export async function runAb(
  days: Record<SideName, string>,
  cases: Case[],
  timing: Timing,
  report: (line: string) => void,
): Promise<AbResult[]> {
  const started = await Promise.all(
    SIDES.map((s) => startChild<ServerReady>('server-process.ts', ['day', days[s]])),
  );
  const servers = Object.fromEntries(SIDES.map((s, i) => [s, started[i]])) as Servers;
  try {
    const results: AbResult[] = [];
    for (const c of cases) results.push(await runAbCase(c, days, servers, timing, report));
    return results;
  } finally {
    await Promise.all(started.map((server) => server.stop()));
  }
}

// Each side takes each place in the order equally often over six repetitions: the side
// measured first, or right after another, must not always be the same one. (With new
// always in the middle, a copy of new measured beside it ran at 0.4 of it, at 256 in flight.)
const ORDERS: SideName[][] = [
  ['old', 'new', 'control'],
  ['new', 'control', 'old'],
  ['control', 'old', 'new'],
  ['control', 'new', 'old'],
  ['new', 'old', 'control'],
  ['old', 'control', 'new'],
];
const order = (rep: number) => ORDERS[rep % ORDERS.length] as SideName[];

// A fresh client process per side and case, so that no case inherits another's heap.
async function runAbCase(
  c: Case,
  days: Record<SideName, string>,
  servers: Servers,
  timing: Timing,
  report: (line: string) => void,
): Promise<AbResult> {
  const clients = await Promise.all(
    SIDES.map(async (s) => startDayClient(c, days[s], await servers[s].ready)),
  );
  const sides = Object.fromEntries(
    SIDES.map((s, i) => [s, { client: clients[i], server: servers[s] }]),
  ) as Record<SideName, Side>;
  const samples: Record<SideName, Sample[]> = { old: [], new: [], control: [] };
  try {
    for (const s of SIDES) await measure(sides[s], timing.warmup);
    for (let rep = 0; rep < timing.reps; rep++) {
      for (const s of order(rep)) samples[s].push(await measure(sides[s], timing.seconds));
      const rate = (s: SideName) => Math.round(samples[s][rep]?.callsPerSec ?? 0);
      report(
        `${caseName(c)}, repetition ${rep + 1}/${timing.reps}: ` +
          SIDES.map((s) => `${s} ${rate(s).toLocaleString('en-US')}`).join(', ') +
          ' calls/s',
      );
    }
    return { ...c, samples };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
  }
}

/** `json x16`, `json+signal x16`: how the progress lines and the table name a case. */
export function caseName(c: Case): string {
  return `${c.codec}${c.signal ? '+signal' : ''} x${c.inFlight}`;
}
