/**
 * Bounds what one connection's handlers hold at once: how many requests are being
 * handled, and how many bytes their frames took. The server's read loop waits for room
 * before it reads the next request, so a client that sends faster than its handlers
 * finish is simply not read. Before closing, the loop waits for it to be idle, as
 * GeeRPC's WaitGroup. Added on day 1.
 */
export class InFlight {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  #count = 0;
  #bytes = 0;
  #finish: Promise<void> | undefined; // resolves at the next finish, for every waiter
  #wake = () => {};

  constructor(maxCount: number, maxBytes: number) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
  }

  /** True when one more request would be one too many. */
  get full(): boolean {
    return this.#count >= this.#maxCount || this.#bytes >= this.#maxBytes;
  }

  /** Resolves once a request can be added. */
  async room(): Promise<void> {
    while (this.full) await this.#finished();
  }

  /** Counts a request of `bytes` until `handling` settles (it must never reject). */
  add(bytes: number, handling: Promise<void>): void {
    this.#count++;
    this.#bytes += bytes;
    void handling.then(() => {
      this.#count--;
      this.#bytes -= bytes;
      this.#finish = undefined;
      this.#wake();
    });
  }

  /** Resolves once every request added has finished. */
  async idle(): Promise<void> {
    while (this.#count > 0) await this.#finished();
  }

  #finished(): Promise<void> {
    this.#finish ??= new Promise((resolve) => {
      this.#wake = resolve;
    });
    return this.#finish;
  }
}
