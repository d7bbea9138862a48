/**
 * Why a frame is refused for its size, said so that the reader can act on it; and the
 * server's check that it sends no reply frame it would refuse itself. Added on day 1.
 * A length whose four bytes read as text ("HTTP", "GET ") is no length at all: the peer
 * speaks another protocol, and raising the limit would not help.
 */
export function frameTooLarge(length: number, max: number): string {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  const text = prefix.toString('latin1');
  return /^[\x20-\x7e]{4}$/.test(text)
    ? `frame of ${length} bytes exceeds maxFrameSize (${max} bytes): its length prefix reads "${text}", so the peer speaks another protocol (HTTP?), not GeeRPC`
    : `frame of ${length} bytes exceeds maxFrameSize (${max} bytes); raise the maxFrameSize option to accept it`;
}

/**
 * Throws when a frame of `message` (frames as encodeFrames writes them) is longer than
 * `max`: a client with the same limit would take it for a broken stream and close the
 * connection, losing every call on it. Thrown, it becomes one error response instead.
 */
export function checkFrameSizes(message: Buffer, max: number): void {
  for (let at = 0; at < message.length; at += 4 + message.readUInt32BE(at)) {
    const length = message.readUInt32BE(at);
    if (length > max) {
      throw new RangeError(
        `reply too large: a frame of ${length} bytes exceeds maxFrameSize (${max} bytes); raise the maxFrameSize option of both ends to send it`,
      );
    }
  }
}
