/**
 * Frames: the only unit that crosses a GeeRPC connection, from the option onwards.
 * Every message is `4-byte big-endian length + payload`, so a reader always knows
 * where one message ends, whatever the codec. GeeRPC leans on gob's own framing
 * instead; this file is what replaces it. Added on day 1.
 */
import type { Socket } from 'node:net';

/** The largest payload a reader accepts unless told otherwise: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

const LENGTH_BYTES = 4;

/** The bytes could not be cut into frames: the connection is out of step and must close. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/** Puts each payload behind its length prefix, all in one buffer (one write, one message). */
export function encodeFrames(...payloads: Uint8Array[]): Buffer {
  const parts: Uint8Array[] = [];
  for (const payload of payloads) {
    const prefix = Buffer.alloc(LENGTH_BYTES);
    prefix.writeUInt32BE(payload.length); // throws past 4 GiB: such a payload cannot be framed
    parts.push(prefix, payload);
  }
  return Buffer.concat(parts);
}

/**
 * Cuts a byte stream into frames, whatever its chunk boundaries. Chunks go in with
 * `push`; `take` hands out one whole payload, or `undefined` when the bytes of the
 * next frame have not all arrived yet. That is a normal state, not an error.
 */
export class FrameParser {
  readonly #maxFrameSize: number;
  #chunks: Buffer[] = [];
  #buffered = 0;
  #length = -1; // payload length of the frame being read; -1 until its prefix is in

  constructor(maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Bytes received that do not make a whole frame yet. */
  get buffered(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  take(): Buffer | undefined {
    if (this.#length < 0) {
      if (this.#buffered < LENGTH_BYTES) return undefined;
      const length = this.#flatten().readUInt32BE(0);
      // Refuse before buffering: a peer must not make us hold 4 GiB just by saying so.
      if (length > this.#maxFrameSize) {
        throw new FrameError(
          `frame of ${length} bytes exceeds maxFrameSize (${this.#maxFrameSize} bytes); raise the maxFrameSize option to accept it`,
        );
      }
      this.#length = length;
    }
    const end = LENGTH_BYTES + this.#length;
    if (this.#buffered < end) return undefined;
    const bytes = this.#flatten();
    const rest = bytes.subarray(end);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    this.#length = -1;
    return bytes.subarray(LENGTH_BYTES, end);
  }

  // Joins the chunks only when a step can complete (a prefix, then a whole frame),
  // so a large frame arriving in many small chunks is copied once, not once per chunk.
  #flatten(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#buffered)];
    return this.#chunks[0] as Buffer;
  }
}

/**
 * Reads whole frames from a stream (a socket, or any async iterable of chunks).
 * Pulling chunks only when a frame is wanted gives backpressure for free: a busy
 * reader stops reading, the socket's buffer fills, and TCP slows the sender down.
 */
export class FrameReader {
  readonly #source: AsyncIterator<Buffer>;
  readonly #parser: FrameParser;

  constructor(source: AsyncIterable<Buffer>, maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.#source = source[Symbol.asyncIterator]();
    this.#parser = new FrameParser(maxFrameSize);
  }

  /** The next frame's payload, or `null` when the stream ended cleanly between frames. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      const frame = this.#parser.take();
      if (frame !== undefined) return frame;
      const { value, done } = await this.#source.next();
      if (done) {
        if (this.#parser.buffered === 0) return null;
        throw new FrameError(
          `stream ended in the middle of a frame (${this.#parser.buffered} bytes received)`,
        );
      }
      this.#parser.push(value);
    }
  }
}

/** Resolves once the socket has fully closed (at once if it already has). */
export function whenClosed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
