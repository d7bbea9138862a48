/**
 * `npm run bench`: the speed and memory figures the chapters quote, measured, never
 * asserted in tests. Client and server run as separate processes (scripts/bench/), and
 * the day's figures stand next to a baseline that does no RPC at all: a raw framed echo.
 * `npm run bench -- --quick` in well under a minute; `--day N` to bench another day.
 * `--against <git ref>`: the A/B mode (bench/ab.ts), the day of that ref against this
 * tree's, in the same run; every speed claim is a ratio from it.
 */
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { runAb } from './bench/ab.ts';
import { type Case, type CaseResult, runCases, type Timing } from './bench/cases.ts';
import type { Contrast } from './bench/contrasts.ts';
import { hasClient, listDays } from './bench/day-api.ts';
import { connectionCount, type MemoryResult, measureMemory } from './bench/memory.ts';
import { startChild } from './bench/processes.ts';
import { abTable, baselineTable, casesTable, contrastsTable, memoryTable } from './bench/report.ts';
import { prepareTrees, type Trees } from './bench/trees.ts';

const USAGE = `usage: npm run bench -- [--quick] [--day N] [--seconds S] [--reps R]
                        [--only cases,memory,contrasts] [--cases json:256,...]
                        [--against <git ref>]`;

const CASES: Case[] = [
  { codec: 'json', inFlight: 1 },
  { codec: 'json', inFlight: 16 },
  { codec: 'json', inFlight: 256 },
  { codec: 'msgpack', inFlight: 16 },
  { codec: 'yaml', inFlight: 16 },
  { codec: 'json', inFlight: 16, signal: true }, // day 4 on: a timer per call, measured
];

const SECTIONS = ['cases', 'memory', 'contrasts'] as const;
type Section = (typeof SECTIONS)[number];

interface Settings {
  day: string;
  timing: Timing;
  connections: number; // idle connections for the memory figures
  contrastSeconds: number;
  sections: Section[];
  against: string | undefined; // a git ref: the A/B mode
  cases: Case[];
}

// `npm run bench -- --quick` hands the script `--quick`; a `--` left in by other ways of
// starting it (`tsx scripts/bench.ts -- --quick`) is dropped rather than taken as the end.
function readSettings(argv: string[]): Settings {
  const { values } = parseArgs({
    args: argv.filter((arg) => arg !== '--'),
    options: {
      quick: { type: 'boolean', default: false },
      day: { type: 'string' },
      seconds: { type: 'string' },
      reps: { type: 'string' },
      only: { type: 'string' },
      cases: { type: 'string' },
      against: { type: 'string' },
    },
  });
  const { quick, against } = values;
  const seconds = Number(values.seconds ?? (quick ? 0.5 : 2));
  // A ratio needs pairs enough to show its spread: six, as ab.ts rotates six orders.
  const reps = Number(values.reps ?? (against !== undefined ? 6 : quick ? 1 : 3));
  if (!(seconds > 0)) throw new Error(`--seconds wants a number above 0, not ${values.seconds}`);
  if (!Number.isInteger(reps) || reps < 1)
    throw new Error(`--reps wants 1 or more, not ${values.reps}`);
  return {
    day: pickDay(values.day),
    timing: { seconds, reps, warmup: quick ? 0.3 : 1 },
    connections: connectionCount(quick ? 500 : 2000),
    contrastSeconds: quick ? 0.5 : seconds,
    sections: pickSections(values.only, against !== undefined),
    against,
    cases: pickCases(values.cases),
  };
}

// `--cases json:256,msgpack:16`: only those rows (codec:in-flight; `json+signal:16` too).
function pickCases(wanted: string | undefined): Case[] {
  if (wanted === undefined) return CASES;
  const name = (c: Case) => `${c.codec}${c.signal ? '+signal' : ''}:${c.inFlight}`;
  const picked = CASES.filter((c) => wanted.split(',').includes(name(c)));
  if (picked.length === 0) throw new Error(`--cases: none of ${wanted}; try ${CASES.map(name)}`);
  return picked;
}

// `--day 3`, `--day day3` or `--day day3-service`; by default the latest day with a client.
function pickDay(wanted: string | undefined): string {
  const days = listDays();
  if (wanted === undefined) {
    const withClient = days.filter(hasClient);
    return (withClient.at(-1) ?? days.at(-1)) as string;
  }
  const prefix = wanted.replace(/^(day)?(\d)$/, 'day$2-');
  const day = days.find((d) => d === wanted || d.startsWith(prefix));
  if (day === undefined)
    throw new Error(`no day matches ${wanted}; the days are ${days.join(', ')}`);
  return day;
}

// The A/B mode compares throughput and idle memory; the contrasts are of one tree only.
function pickSections(only: string | undefined, ab: boolean): Section[] {
  if (only === undefined) return ab ? ['cases', 'memory'] : [...SECTIONS];
  const wanted = only.split(',');
  const unknown = wanted.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown section ${unknown.join(', ')}`);
  return wanted as Section[];
}

// How this run was started, as a command someone can copy.
function command(argv: string[]): string {
  const args = argv.filter((arg) => arg !== '--').join(' ');
  if (process.env.npm_lifecycle_event === 'bench') {
    return args === '' ? 'npm run bench' : `npm run bench -- ${args}`;
  }
  return `npx tsx scripts/bench.ts ${args}`.trim();
}

// The load average is read before the run starts: anything well above zero means that
// something else was using the CPUs, and the figures below are lower than they could be.
function header(settings: Settings, argv: string[], load: number, trees?: Trees): string {
  const { seconds, reps, warmup } = settings.timing;
  const cpus = availableParallelism();
  const against = trees === undefined ? '' : `, this tree against ${trees.ref}`;
  return [
    `node ${process.version}, ${settings.day}${against}, ${cpus} CPU${cpus === 1 ? '' : 's'}`,
    `load average ${load.toFixed(1)} at start`,
    `${seconds} s per measurement, ${reps} repetition${reps === 1 ? '' : 's'}, ${warmup} s warm-up`,
    `\`${command(argv)}\``,
  ].join(' · ');
}

const progress = (line: string) => console.log(`  ${line}`);

// Signals per call arrive on day 4; before it, the option is ignored and the row would lie.
const casesOf = (settings: Settings) =>
  settings.cases.filter((c) => !c.signal || Number(settings.day.slice(3, 4)) >= 4);

async function benchCases(settings: Settings, trees?: Trees): Promise<string[]> {
  if (!hasClient(settings.day)) {
    return [`${settings.day} has no client: no throughput cases (memory and contrasts only).`];
  }
  if (trees !== undefined) return benchAb(settings, trees);
  console.log(`throughput: ${settings.day} against a raw framed echo`);
  const cases = casesOf(settings);
  const results: CaseResult[] = await runCases(settings.day, cases, settings.timing, progress);
  return [
    `### Throughput: ${settings.day} Client and Server, one connection`,
    casesTable(settings.day, results),
    'The baseline: the same request bytes, framed, echoed by a server that does no RPC.',
    baselineTable(results),
  ];
}

async function benchAb(settings: Settings, trees: Trees): Promise<string[]> {
  console.log(`throughput: ${settings.day}, this tree (new) against ${trees.ref} (old)`);
  const days = { old: trees.old, new: trees.new, control: trees.control };
  const results = await runAb(days, casesOf(settings), settings.timing, progress);
  return [
    `### A/B: ${settings.day}, this tree (new) against ${trees.ref} (old), one connection`,
    abTable(results),
    'Each ratio is the median of the ratios within each repetition, with their range; ' +
      'CPU is the client and server time of one call. The control is a second copy of new, ' +
      'measured as a third side: its ratios to new are what noise alone does to a ratio ' +
      "in this run. A new/old range that overlaps the control's says nothing.",
  ];
}

async function benchMemory(settings: Settings, trees?: Trees): Promise<string[]> {
  console.log(`memory: ${settings.connections} idle connections`);
  const results: MemoryResult[] = [];
  const days: [string, string][] =
    trees === undefined
      ? [[settings.day, `${settings.day} Server`]]
      : [
          [trees.old, `${settings.day} Server, ${trees.ref}`],
          [trees.new, `${settings.day} Server, this tree`],
        ];
  for (const [day, label] of days) {
    results.push(await measureMemory('day', day, settings.connections, label));
    progress(`${label}: done`);
  }
  results.push(await measureMemory('bare', settings.day, settings.connections));
  progress('bare net.Server: done');
  return ['### Server memory per idle connection', memoryTable(results)];
}

async function benchContrasts(settings: Settings): Promise<string[]> {
  console.log('contrasts: client and server in one process');
  const child = await startChild('contrasts.ts', []);
  try {
    const seconds = settings.contrastSeconds;
    const results = await child.request<Contrast[]>('run', { seconds }, (seconds * 4 + 30) * 1000);
    return ['### The contrasts the chapters quote (one process)', contrastsTable(results)];
  } finally {
    await child.stop();
  }
}

const argv = process.argv.slice(2);
let settings: Settings;
try {
  settings = readSettings(argv);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  console.error(USAGE);
  process.exit(2);
}
const load = loadavg()[0] ?? 0;
const run = { cases: benchCases, memory: benchMemory, contrasts: benchContrasts };
let trees: Trees | undefined;
try {
  if (settings.against !== undefined) trees = prepareTrees(settings.against, settings.day);
  const sections: string[] = [];
  for (const section of settings.sections) {
    sections.push(...(await run[section](settings, trees)));
  }
  console.log(`\n${header(settings, argv, load, trees)}\n\n${sections.join('\n\n')}`);
} catch (err) {
  console.error(err instanceof Error && err.message.startsWith('--against') ? err.message : err);
  process.exitCode = 1;
} finally {
  trees?.remove();
}
