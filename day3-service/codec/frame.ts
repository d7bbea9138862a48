/**
 * Frames: the only unit that crosses a GeeRPC connection, from the option onwards.
 * Every message is `4-byte big-endian length + payload`, so a reader always knows
 * where one message ends, whatever the codec. GeeRPC leans on gob's own framing
 * instead; this file is what replaces it. Added on day 1.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { ByteBudget } from '../guard/byte-budget.ts';
import { frameTooLarge } from '../guard/frame-size.ts';

/** The largest payload a reader accepts unless told otherwise: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

// A reader holding this many bytes that nobody has asked for stops taking more from
// its socket: TCP's window fills and the sender slows down. That is backpressure.
const HIGH_WATER_MARK = 64 * 1024;

const LENGTH_BYTES = 4;

/** The bytes could not be cut into frames: the connection is out of step and must close. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/**
 * Puts each payload behind its length prefix, all in one buffer: one write, one message.
 * A string payload is written as UTF-8 straight into that buffer, not copied twice.
 */
export function encodeFrames(...payloads: (Uint8Array | string)[]): Buffer {
  const lengths = payloads.map((p) => (typeof p === 'string' ? Buffer.byteLength(p) : p.length));
  const message = Buffer.allocUnsafe(lengths.reduce((n, len) => n + LENGTH_BYTES + len, 0));
  let offset = 0;
  payloads.forEach((payload, i) => {
    offset = message.writeUInt32BE(lengths[i] as number, offset); // throws past 4 GiB
    if (typeof payload === 'string') message.write(payload, offset);
    else message.set(payload, offset);
    offset += lengths[i] as number;
  });
  return message;
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

  /** Bytes received and not taken yet. */
  get buffered(): number {
    return this.#buffered;
  }

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
  }

  /** The payload length of the next frame, once its prefix is in; undefined before. */
  nextLength(): number | undefined {
    if (this.#length < 0 && this.#buffered >= LENGTH_BYTES) {
      const length = this.#flatten().readUInt32BE(0);
      // Refuse before buffering: a peer must not make us hold 4 GiB just by saying so.
      if (length > this.#maxFrameSize) {
        throw new FrameError(frameTooLarge(length, this.#maxFrameSize));
      }
      this.#length = length;
    }
    return this.#length < 0 ? undefined : this.#length;
  }

  /** Whether the next `count` frames have all arrived whole. */
  holds(count: number): boolean {
    if (this.#buffered < count * LENGTH_BYTES) return false;
    const bytes = this.#flatten();
    let end = 0;
    for (let i = 0; i < count; i++) {
      if (bytes.length < end + LENGTH_BYTES) return false;
      end += LENGTH_BYTES + bytes.readUInt32BE(end);
    }
    return end <= bytes.length;
  }

  take(): Buffer | undefined {
    const length = this.nextLength();
    if (length === undefined || this.#buffered < LENGTH_BYTES + length) return undefined;
    const bytes = this.#flatten();
    const rest = bytes.subarray(LENGTH_BYTES + length);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#buffered = rest.length;
    this.#length = -1;
    return bytes.subarray(LENGTH_BYTES, LENGTH_BYTES + length);
  }

  // Joins the chunks only when a step can complete (a prefix, then a whole frame),
  // so a large frame arriving in many small chunks is copied once, not once per chunk.
  #flatten(): Buffer {
    if (this.#chunks.length > 1) this.#chunks = [Buffer.concat(this.#chunks, this.#buffered)];
    return this.#chunks[0] as Buffer;
  }
}

export interface FrameReaderOptions {
  maxFrameSize?: number;
  /** Shared with other readers: what all of them may hold of large frames not yet read. */
  budget?: ByteBudget;
}

/**
 * Reads whole frames from a stream (a socket, or any Readable of buffers). Bytes are
 * taken as they arrive, by a 'data' listener; once the reader holds more than it has
 * been asked for, the stream is paused until `read()` wants more. So a busy reader
 * stops reading, the socket's buffer fills, and TCP slows the sender down.
 * (`for await` over the socket is shorter, but costs several promises per chunk.)
 */
export class FrameReader {
  readonly #source: Readable;
  readonly #parser: FrameParser;
  readonly #budget: ByteBudget;
  #wake: (() => void) | undefined; // the read() waiting for bytes, if any
  #held = 0; // our share of the budget: what we hold of a large frame
  #ended = false;
  #error: Error | undefined;

  constructor(source: Readable, options: FrameReaderOptions = {}) {
    this.#source = source;
    this.#parser = new FrameParser(options.maxFrameSize);
    this.#budget = options.budget ?? new ByteBudget();
    // One listener for the three ways a stream ends ('close': destroyed without an 'end').
    // `on`, not `once`: ending twice is harmless, and `once` costs each idle connection
    // two more objects per listener.
    const end = (err?: unknown) => this.#onEnd(err);
    source.on('data', (chunk: Buffer) => this.#onData(chunk));
    source.on('end', end).on('close', end).on('error', end);
  }

  /** Whether the next `count` frames are here whole: `tryRead()` would return each of them. */
  holds(count: number): boolean {
    return this.#parser.holds(count);
  }

  /**
   * `read()` without the wait: the next frame's payload if it is here whole, otherwise
   * undefined (then `read()` waits for it, or reports the end or the error).
   */
  tryRead(): Buffer | undefined {
    const frame = this.#parser.take(); // throws FrameError for a frame over the limit
    this.#reshare();
    return frame;
  }

  /** The next frame's payload, or `null` when the stream ended cleanly between frames. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      const frame = this.tryRead();
      if (frame !== undefined) return frame;
      if (this.#error !== undefined) throw this.#error;
      if (this.#ended) {
        if (this.#parser.buffered === 0) return null;
        throw new FrameError(
          `stream ended in the middle of a frame (${this.#parser.buffered} bytes received)`,
        );
      }
      this.#source.resume(); // paused while we held enough; now we need more
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  #onData(chunk: Buffer): void {
    this.#parser.push(chunk);
    try {
      this.#reshare();
    } catch (err) {
      this.#error ??= err as Error;
      this.#source.destroy();
      this.#onEnd();
    }
    if (this.#wake === undefined && this.#parser.buffered >= HIGH_WATER_MARK) {
      this.#source.pause(); // nobody is reading: hold what we have, take no more
    }
    this.#wakeUp();
  }

  #onEnd(err?: unknown): void {
    if (err instanceof Error) this.#error ??= err; // 'close' passes a boolean
    this.#ended = true;
    this.#reshare();
    this.#wakeUp();
  }

  // Our share of the budget is what we hold of a frame too large to be a normal call
  // (0 once it is taken, or the stream has ended). Throws when that is too much.
  #reshare(): void {
    const length = this.#ended ? undefined : this.#parser.nextLength();
    const large = length !== undefined && length > HIGH_WATER_MARK;
    this.#held = this.#budget.reshare(this.#held, large ? this.#parser.buffered : 0, length);
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** Resolves once the socket has fully closed (at once if it already has). */
export function whenClosed(socket: Socket): Promise<void> {
  if (socket.closed) return Promise.resolve();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}
