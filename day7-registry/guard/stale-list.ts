/**
 * A list kept through an outage, and how long it has gone unconfirmed: etcd discovery
 * serves its last list while its watch is down, and says so when the outage starts,
 * again every `REGISTRY_DEFAULTS.staleReminder` with the list's age, and once more when
 * the list is confirmed. Bounds how long it can sit silently on a stale list. Day 7.
 */

export class StaleList {
  readonly #log: (message: string) => void;
  readonly #every: number;
  #since: number | undefined; // when the list stopped being confirmed (undefined: it is)
  #reminder: NodeJS.Timeout | undefined;

  constructor(log: (message: string) => void, every: number) {
    this.#log = log;
    this.#every = every;
  }

  /** How long the list has gone unconfirmed, in ms: 0 while it is confirmed. */
  age(): number {
    return this.#since === undefined ? 0 : performance.now() - this.#since;
  }

  /** The list can no longer be confirmed: says why now, and its age every `every` ms. */
  lost(why: string): void {
    if (this.#since !== undefined) return; // an outage already being reported
    this.#since = performance.now();
    this.#log(`${why}; still serving the last good list`);
    this.#reminder = setInterval(() => {
      const seconds = (this.age() / 1000).toFixed(1);
      this.#log(`${why}; the list served has gone unconfirmed for ${seconds} s`);
    }, this.#every).unref();
  }

  /** The list is current again (read afresh, and watched). */
  confirmed(): void {
    if (this.#since === undefined) return;
    this.#log(`list confirmed again after ${(this.age() / 1000).toFixed(1)} s`);
    this.close();
  }

  /** Stops the reminder. */
  close(): void {
    clearInterval(this.#reminder);
    this.#since = undefined;
  }
}
