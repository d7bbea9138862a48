/**
 * Frames: the only unit that crosses a GeeRPC connection, from the option onwards.
 * Every message is `4-byte big-endian length + payload`, so a reader always knows
 * where one message ends, whatever the codec. GeeRPC leans on gob's own framing
 * instead; this file is what replaces it. Added on day 1.
 */
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/** The largest payload a reader accepts unless told otherwise: 16 MiB. */
export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

/** What all of a server's connections may hold, together, of frames not read yet: 64 MiB. */
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;

// A reader holding this many bytes that nobody has asked for stops taking more from
// its socket: TCP's window fills and the sender slows down. That is backpressure.
const HIGH_WATER_MARK = 64 * 1024;

const LENGTH_BYTES = 4;

/** The bytes could not be cut into frames: the connection is out of step and must close. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/**
 * Puts each payload behind its length prefix, all in one buffer (one write, one
 * message). A payload given as a string is written as UTF-8.
 */
export function encodeFrames(...payloads: (Uint8Array | string)[]): Buffer {
  const lengths = payloads.map((p) => (typeof p === 'string' ? Buffer.byteLength(p) : p.length));
  let size = 0;
  for (const length of lengths) size += LENGTH_BYTES + length;
  // One allocation per message, the prefixes and payloads written in place: no small
  // buffers made only to be concatenated. allocUnsafe is safe: every byte is written.
  const message = Buffer.allocUnsafe(size);
  let offset = 0;
  payloads.forEach((payload, i) => {
    offset = message.writeUInt32BE(lengths[i] as number, offset); // throws past 4 GiB
    if (typeof payload === 'string') offset += message.write(payload, offset);
    else {
      message.set(payload, offset);
      offset += payload.length;
    }
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
    if (this.#length < 0) {
      if (this.#buffered < LENGTH_BYTES) return undefined;
      const length = this.#flatten().readUInt32BE(0);
      // Refuse before buffering: a peer must not make us hold 4 GiB just by saying so.
      if (length > this.#maxFrameSize) throw new FrameError(tooLarge(length, this.#maxFrameSize));
      this.#length = length;
    }
    return this.#length;
  }

  take(): Buffer | undefined {
    if (this.nextLength() === undefined) return undefined;
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

// Why a frame is refused for its size. A length whose four bytes read as text ("HTTP",
// "GET ") is no length at all: the peer speaks another protocol, and raising the limit
// would not help, so the message says so instead.
function tooLarge(length: number, max: number): string {
  const prefix = Buffer.alloc(LENGTH_BYTES);
  prefix.writeUInt32BE(length);
  const text = prefix.toString('latin1');
  return /^[\x20-\x7e]{4}$/.test(text)
    ? `frame of ${length} bytes exceeds maxFrameSize (${max} bytes): its length prefix reads "${text}", so the peer speaks another protocol (HTTP?), not GeeRPC`
    : `frame of ${length} bytes exceeds maxFrameSize (${max} bytes); raise the maxFrameSize option to accept it`;
}

/**
 * An allowance of bytes shared by many readers: a server gives one to all its
 * connections, so that clients who start large frames and never finish them hold,
 * together, at most `limit` bytes of its memory, however many of them there are.
 * Only frames larger than 64 KiB draw on it, byte by byte as they arrive: when it is
 * spent, the client whose large frame needs more is refused, never a client making
 * small calls (their frames do not count).
 */
export class ByteBudget {
  readonly limit: number;
  used = 0;

  constructor(limit = DEFAULT_MAX_BUFFERED_BYTES) {
    this.limit = limit;
  }
}

export interface FrameReaderOptions {
  maxFrameSize?: number;
  budget?: ByteBudget;
}

/**
 * Reads whole frames from a stream (a socket, or any Readable of buffers). Bytes are
 * taken as they arrive; once the reader holds more than it has been asked for, the
 * stream is paused until `read()` wants more. So a busy reader stops reading, the
 * socket's buffer fills, and TCP slows the sender down.
 *
 * Why not `for await (const chunk of socket)`? It is shorter, but every chunk then
 * costs several promises inside the stream's iterator; on a busy connection that
 * was a third of the client's CPU time (npm run bench). Here a frame that is already
 * buffered costs one promise, and a 'data' listener does the rest.
 */
export class FrameReader {
  readonly #source: Readable;
  readonly #parser: FrameParser;
  readonly #budget: ByteBudget;
  #wake: (() => void) | undefined; // the read() waiting for bytes, if any
  #held = 0; // bytes of ours counted in the budget: what we hold of a large frame
  #ended = false;
  #error: Error | undefined;

  constructor(source: Readable, options: FrameReaderOptions = {}) {
    this.#source = source;
    this.#parser = new FrameParser(options.maxFrameSize);
    this.#budget = options.budget ?? new ByteBudget(Number.POSITIVE_INFINITY);
    source.on('data', (chunk: Buffer) => this.#onData(chunk));
    source.once('end', () => this.#onEnd());
    source.once('close', () => this.#onEnd()); // destroyed without an 'end'
    source.once('error', (err: Error) => {
      this.#error ??= err;
      this.#onEnd();
    });
  }

  /** The next frame's payload, or `null` when the stream ended cleanly between frames. */
  async read(): Promise<Buffer | null> {
    for (;;) {
      const frame = this.#parser.take(); // throws FrameError for a frame over the limit
      this.#account();
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
      this.#account();
    } catch (err) {
      this.#fail(err as Error);
    }
    if (this.#wake === undefined && this.#parser.buffered >= HIGH_WATER_MARK) {
      this.#source.pause(); // nobody is reading: hold what we have, take no more
    }
    this.#wakeUp();
  }

  #onEnd(): void {
    this.#ended = true;
    this.#account();
    this.#wakeUp();
  }

  // Keeps what we hold of the budget equal to the bytes we hold while a large frame is
  // being read (0 when there is none, or the stream has ended). Throws FrameError for a
  // frame over maxFrameSize, or one the budget cannot afford.
  #account(): void {
    const length = this.#ended ? undefined : this.#parser.nextLength();
    const held = length !== undefined && length > HIGH_WATER_MARK ? this.#parser.buffered : 0;
    if (held > this.#held && this.#budget.used + held - this.#held > this.#budget.limit) {
      throw new FrameError(
        `a frame of ${length} bytes would take the server's unread frames past maxBufferedBytes (${this.#budget.limit} bytes); raise the maxBufferedBytes option to allow more`,
      );
    }
    this.#budget.used += held - this.#held;
    this.#held = held;
  }

  #fail(err: Error): void {
    this.#error ??= err;
    this.#source.destroy();
    this.#onEnd();
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
