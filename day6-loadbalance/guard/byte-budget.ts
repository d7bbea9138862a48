/**
 * An allowance of bytes shared by many frame readers: a server gives one to all its
 * connections, so that clients who start large frames and never finish them hold,
 * together, at most `limit` bytes of its memory, however many of them there are.
 * Only frames larger than 64 KiB draw on it, as their bytes arrive: when it is spent,
 * the client whose large frame needs more is refused, never a client making small
 * calls. Added on day 1.
 */
export class ByteBudget {
  readonly limit: number;
  used = 0;

  constructor(limit = Number.POSITIVE_INFINITY) {
    this.limit = limit;
  }

  /**
   * Moves one reader's share from `held` to `wanted` bytes and returns the new share.
   * Throws RangeError, changing nothing, when the budget cannot afford the growth.
   */
  reshare(held: number, wanted: number, frameLength: number | undefined): number {
    if (wanted > held && this.used + wanted - held > this.limit) {
      throw new RangeError(
        `a frame of ${frameLength} bytes would take the server's unread frames past maxBufferedBytes (${this.limit} bytes); raise the maxBufferedBytes option to allow more`,
      );
    }
    this.used += wanted - held;
    return wanted;
  }
}
