/**
 * The throughput cases: for each codec and number of calls in flight, the day's Client
 * against the day's Server, and the baseline (a raw framed echo) for the same load.
 * Each side warms up, then they are measured in turn, repetition after repetition, so
 * that whatever slows the machine down for a while slows both.
 */
import type { CodecType } from './day-api.ts';
import type { LoadStats } from './load-client.ts';
import { type Child, startChild } from './processes.ts';
import type { ServerReady } from './server-process.ts';

export interface Case {
  codec: 'json' | 'msgpack' | 'yaml';
  inFlight: number;
  /** Each call carries its own `AbortSignal.timeout` (day 4 on): what a timer per call costs. */
  signal?: boolean;
}

export interface Timing {
  seconds: number; // per measurement
  warmup: number; // seconds, per side, before the first measurement of a case
  reps: number;
}

/** One measurement of one side. */
export interface Sample {
  callsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  clientMicrosPerCall: number;
  serverMicrosPerCall: number;
}

export interface CaseResult extends Case {
  day: Sample[]; // one per repetition
  baseline: Sample[]; // baseline[i] was measured next to day[i]
}

export const CODEC_TYPES: Record<Case['codec'], CodecType> = {
  json: 'application/json',
  msgpack: 'application/msgpack',
  yaml: 'application/yaml',
};

/** A client process and the server process it loads, measured together. */
export interface Side {
  client: Child<unknown>;
  server: Child<ServerReady>;
}

/** Lets the client run for `seconds`; the server's CPU time is read on either side of it. */
export async function measure({ client, server }: Side, seconds: number): Promise<Sample> {
  const cpuBefore = await server.request<NodeJS.CpuUsage>('cpu');
  await client.request('start');
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const [stats, cpuAfter] = await Promise.all([
    client.request<LoadStats>('stop'),
    server.request<NodeJS.CpuUsage>('cpu'),
  ]);
  const serverMicros = cpuAfter.user - cpuBefore.user + (cpuAfter.system - cpuBefore.system);
  const calls = Math.max(stats.calls, 1);
  return {
    callsPerSec: stats.calls / stats.seconds,
    p50Ms: stats.p50Ms,
    p99Ms: stats.p99Ms,
    clientMicrosPerCall: stats.cpuMicros / calls,
    serverMicrosPerCall: serverMicros / calls,
  };
}

// What every case of one run shares: the two servers, the timing, where progress goes.
interface Run {
  day: string;
  echo: Child<ServerReady>;
  server: Child<ServerReady>;
  timing: Timing;
  report: (line: string) => void;
}

/**
 * Runs every case against one echo server and one day server, both started here.
 * `report` hears about each repetition as it is measured, for progress output.
 */
export async function runCases(
  day: string,
  cases: Case[],
  timing: Timing,
  report: (line: string) => void,
): Promise<CaseResult[]> {
  const [echo, server] = await Promise.all([
    startChild<ServerReady>('server-process.ts', ['echo']),
    startChild<ServerReady>('server-process.ts', ['day', day]),
  ]);
  try {
    const results: CaseResult[] = [];
    for (const c of cases) results.push(await runCase(c, { day, echo, server, timing, report }));
    return results;
  } finally {
    await Promise.all([echo.stop(), server.stop()]);
  }
}

/** A client process calling `server` (a server process of `day`) with the load of case `c`. */
export function startDayClient(c: Case, day: string, server: ServerReady): Promise<Child> {
  return startChild('load-client.ts', [
    'day',
    String(server.port),
    String(c.inFlight),
    CODEC_TYPES[c.codec],
    day,
    server.serviceMethod,
    c.signal ? 'signal' : '',
  ]);
}

// A fresh pair of client processes per case, so that no case inherits another's heap.
async function runCase(c: Case, run: Run): Promise<CaseResult> {
  const [echoReady, serverReady] = await Promise.all([run.echo.ready, run.server.ready]);
  const [rawClient, dayClient] = await Promise.all([
    startChild('load-client.ts', ['raw', String(echoReady.port), String(c.inFlight)]),
    startDayClient(c, run.day, serverReady),
  ]);
  const baselineSide: Side = { client: rawClient, server: run.echo };
  const daySide: Side = { client: dayClient, server: run.server };
  try {
    await measure(baselineSide, run.timing.warmup);
    await measure(daySide, run.timing.warmup);
    return { ...c, ...(await repeat(c, baselineSide, daySide, run)) };
  } finally {
    await Promise.all([rawClient.stop(), dayClient.stop()]);
  }
}

// The repetitions. The order alternates (baseline first, then day first, ...), so that
// neither side is always the one measured right after the other has heated the CPU.
async function repeat(
  c: Case,
  baselineSide: Side,
  daySide: Side,
  { timing, report }: Run,
): Promise<Pick<CaseResult, 'day' | 'baseline'>> {
  const day: Sample[] = [];
  const baseline: Sample[] = [];
  for (let rep = 0; rep < timing.reps; rep++) {
    if (rep % 2 === 0) {
      baseline.push(await measure(baselineSide, timing.seconds));
      day.push(await measure(daySide, timing.seconds));
    } else {
      day.push(await measure(daySide, timing.seconds));
      baseline.push(await measure(baselineSide, timing.seconds));
    }
    const [b, d] = [baseline[rep] as Sample, day[rep] as Sample];
    const rate = (sample: Sample) => Math.round(sample.callsPerSec).toLocaleString('en-US');
    report(
      `${c.codec}${c.signal ? '+signal' : ''} x${c.inFlight}, repetition ${rep + 1}/${timing.reps}: ` +
        `${rate(d)} calls/s, baseline ${rate(b)} calls/s`,
    );
  }
  return { day, baseline };
}
