/**
 * A bench client process: one connection with `inFlight` calls going at all times, each
 * timed from send to reply. `raw` sends a JSON Arith.sum request's bytes to the echo
 * server (the baseline); `day` makes real calls with the day's Client. The parent says
 * when to start and when to stop; stop answers with counts, latencies and CPU time.
 */
import { type CodecType, importClient } from './day-api.ts';
import { frames, RawConn, SUM_BODY, SUM_HEADER, writeCorked } from './framing.ts';
import { serveParent } from './processes.ts';
import { percentile } from './stats.ts';

/** One measurement window, as the client saw it. */
export interface LoadStats {
  calls: number; // completed inside the window
  seconds: number;
  cpuMicros: number; // user + system time this process spent in the window
  p50Ms: number;
  p99Ms: number;
}

type Caller = (worker: number) => Promise<unknown>;

// The baseline's call: the same request bytes every time, answered by an echo. A call is
// the header frame and the body frame; it completes when both have come back.
async function rawCaller(port: number): Promise<{ call: Caller; close: () => Promise<void> }> {
  const conn = await RawConn.connect(port);
  const request = frames(SUM_HEADER, SUM_BODY);
  const call = () => {
    writeCorked(conn.socket, request);
    return conn.expect(2);
  };
  return { call, close: () => conn.close() };
}

// A real call through the day's Client, checked once so that a broken server cannot
// pass for a fast one (every failed call would reject, but a wrong sum would not).
async function dayCaller(
  port: number,
  day: string,
  codecType: CodecType,
  serviceMethod: string,
  withSignal: boolean,
) {
  const { dial } = await importClient(day);
  const client = await dial('tcp', `127.0.0.1:${port}`, { codecType });
  const reply = await client.call(serviceMethod, { num1: 40, num2: 2 });
  if (serviceMethod === 'Arith.sum' && reply !== 42) {
    throw new Error(`bench: ${serviceMethod}(40, 2) answered ${JSON.stringify(reply)}`);
  }
  const args = (worker: number) => ({ num1: worker, num2: 2 });
  // A signal that never fires in time: what is measured is the cost of arming and
  // disarming one per call, the classic way for a timeout to eat a client's throughput.
  const call: Caller = withSignal
    ? (worker) => client.call(serviceMethod, args(worker), { signal: AbortSignal.timeout(60_000) })
    : (worker) => client.call(serviceMethod, args(worker));
  return { call, close: () => client.close() };
}

const [mode, portArg, inFlightArg, codecType, day = '', serviceMethod = '', signal = ''] =
  process.argv.slice(2);
const port = Number(portArg);
const inFlight = Number(inFlightArg);
const { call, close } =
  mode === 'raw'
    ? await rawCaller(port)
    : await dayCaller(port, day, codecType as CodecType, serviceMethod, signal === 'signal');

let running = false;
let latencies: number[] = [];
let workers: Promise<void>[] = [];
let failure: unknown;
let startedAt = 0;
let cpuAtStart = process.cpuUsage();

// One of the `inFlight` callers: the next call starts as soon as the last one is back.
// Only calls that complete inside the window count, and the first error stops them all.
async function worker(index: number): Promise<void> {
  try {
    while (running) {
      const sent = performance.now();
      await call(index);
      if (running) latencies.push(performance.now() - sent);
    }
  } catch (err) {
    failure ??= err;
    running = false;
  }
}

serveParent(
  {},
  {
    start: () => {
      latencies = [];
      running = true;
      startedAt = performance.now();
      cpuAtStart = process.cpuUsage();
      workers = Array.from({ length: inFlight }, (_, i) => worker(i));
    },
    stop: async (): Promise<LoadStats> => {
      // Read the clock and the CPU first: the window ends now, not once calls drain.
      running = false;
      const seconds = (performance.now() - startedAt) / 1000;
      const cpu = process.cpuUsage(cpuAtStart);
      const window = latencies;
      await Promise.all(workers); // the calls still in flight come back before the next window
      if (failure !== undefined) throw failure;
      const sorted = Float64Array.from(window).sort();
      return {
        calls: window.length,
        seconds,
        cpuMicros: cpu.user + cpu.system,
        p50Ms: percentile(sorted, 0.5),
        p99Ms: percentile(sorted, 0.99),
      };
    },
  },
  close,
);
