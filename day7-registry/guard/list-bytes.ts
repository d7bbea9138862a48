/**
 * A bound on the registry's list, in bytes rather than servers: the list travels in one
 * response header, and a header is read whole (fetch() refuses one over 16 KiB). A new
 * server that would take the list past the limit is refused with 503; a server already
 * listed may always beat. Added on day 7.
 */
export class ListBytes {
  readonly #limit: number;
  #bytes = 0; // each address listed, and its comma

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Counts `addr` if it fits, and says whether it did. */
  add(addr: string): boolean {
    if (this.#bytes + addr.length + 1 > this.#limit) return false;
    this.#bytes += addr.length + 1;
    return true;
  }

  /** Stops counting `addr`, which was counted. */
  remove(addr: string): void {
    this.#bytes -= addr.length + 1;
  }

  /** What a 503 says. */
  get refusal(): string {
    return `registry full: the list may take ${this.#limit} bytes`;
  }
}
