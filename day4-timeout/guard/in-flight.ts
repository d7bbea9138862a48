/**
 * Bounds what requests in flight hold at once: how many are being handled, and the bytes
 * of their frames plus those of replies the socket has not taken yet. Each connection has
 * one, inside the server's own (`parent`), which bounds the bytes of all connections
 * together. The read loop waits for room before it reads the next request, so a client
 * that sends faster than the handlers finish, or than it reads, is simply not read.
 * Before closing, the loop waits for it to be idle, as GeeRPC's WaitGroup. Added on
 * day 1; day 4 added `empty`, for the idle timeout.
 */
export class InFlight {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  readonly #parent: InFlight | undefined;
  #count = 0;
  #bytes = 0;
  #unsent: number[] = []; // bytes of each reply written and not yet taken, oldest first
  #finish: Promise<void> | undefined; // resolves at the next finish, for every waiter
  #wake = () => {};

  constructor(maxCount: number, maxBytes: number, parent?: InFlight) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
    this.#parent = parent;
  }

  /**
   * True when one more request would be one too many, here or in the parent. A connection
   * with nothing in flight (no request, no unsent reply) may always read one: a client whose
   * handlers never end could otherwise hold all the parent allows and starve every other.
   */
  get full(): boolean {
    const busy = this.#count > 0 || this.#unsent.length > 0;
    return this.#ownFull || (busy && (this.#parent?.full ?? false));
  }

  /** True when no request added here is still being handled. */
  get empty(): boolean {
    return this.#count === 0;
  }

  /** Resolves once a request can be added. */
  async room(): Promise<void> {
    while (this.full) await (this.#ownFull ? this : (this.#parent as InFlight)).#finished();
  }

  /** Counts a request of `bytes`, here and in the parent, until `handling` settles (it must never reject). */
  add(bytes: number, handling: Promise<void>): void {
    this.#change(1, bytes);
    void handling.then(() => this.#change(-1, -bytes));
  }

  /** Counts a reply of `bytes`, here and in the parent, until `sent` is called for it. */
  sending(bytes: number): void {
    this.#unsent.push(bytes);
    this.#change(0, bytes);
  }

  /** The socket has taken the oldest reply counted by `sending`: a write callback, made once. */
  readonly sent = (): void => {
    const bytes = this.#unsent.shift();
    if (bytes !== undefined) this.#change(0, -bytes);
  };

  /** Resolves once every request added here has finished. */
  async idle(): Promise<void> {
    while (this.#count > 0) await this.#finished();
  }

  get #ownFull(): boolean {
    return this.#count >= this.#maxCount || this.#bytes >= this.#maxBytes;
  }

  #change(count: number, bytes: number): void {
    this.#count += count;
    this.#bytes += bytes;
    if (count < 0 || bytes < 0) {
      this.#finish = undefined;
      this.#wake();
    }
    if (this.#parent !== undefined) this.#parent.#change(count, bytes);
  }

  #finished(): Promise<void> {
    this.#finish ??= new Promise((resolve) => {
      this.#wake = resolve;
    });
    return this.#finish;
  }
}
