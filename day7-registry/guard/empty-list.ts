/**
 * A registry that suddenly lists nobody has most likely just restarted and not yet
 * heard the heartbeats: believed, it would leave its clients with no server for up to a
 * heartbeat interval. So a client keeps its last good list, and believes empty answers
 * only once they have gone on for `grace` ms (by default the registry's timeout: by
 * then every live server has beaten at least once). Added on day 7.
 */
export class EmptyList {
  readonly #grace: number;
  #since: number | undefined; // when the registry began to list nobody

  constructor(grace: number) {
    this.#grace = grace;
  }

  /** Whether an answer of `found` servers, with `listed` in hand, is not to be believed yet. */
  disbelieves(found: number, listed: number): boolean {
    if (found > 0 || listed === 0) {
      this.#since = undefined;
      return false;
    }
    this.#since ??= performance.now();
    return performance.now() - this.#since < this.#grace;
  }
}
