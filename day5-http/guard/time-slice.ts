/**
 * A bound on how long one connection's read loop keeps the process to itself. Requests
 * already buffered are read without a wait (the fast path), so a burst of frames that
 * are slow to decode would run back to back while every other client waits. Past a
 * slice, the loop lets the others run first. Added on day 1.
 */
import { setImmediate as othersFirst } from 'node:timers/promises';

/** How long a read loop may run without a wait, in ms: a few costly frames, not dozens. */
export const SLICE_MS = 5;

/** One connection's turn: `spent` once the loop has run `SLICE_MS` since it last waited. */
export class TimeSlice {
  #since = performance.now();

  get spent(): boolean {
    return performance.now() - this.#since > SLICE_MS;
  }

  /** Lets every other connection's pending I/O run, then starts a new slice. */
  async yield(): Promise<void> {
    await othersFirst();
    this.#since = performance.now();
  }
}
