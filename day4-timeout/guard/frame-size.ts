/**
 * Why a frame is refused for its size, said so that the reader can act on it. Added on
 * day 1. A length whose four bytes read as text ("HTTP", "GET ") is no length at all:
 * the peer speaks another protocol, and raising the limit would not help.
 */
export function frameTooLarge(length: number, max: number): string {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(length);
  const text = prefix.toString('latin1');
  return /^[\x20-\x7e]{4}$/.test(text)
    ? `frame of ${length} bytes exceeds maxFrameSize (${max} bytes): its length prefix reads "${text}", so the peer speaks another protocol (HTTP?), not GeeRPC`
    : `frame of ${length} bytes exceeds maxFrameSize (${max} bytes); raise the maxFrameSize option to accept it`;
}
