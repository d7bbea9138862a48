/**
 * The codec: how one connection turns messages into frames and back. Both ends use
 * it: the server reads requests and writes responses, the client the other way round.
 * Mirrors GeeRPC's codec/codec.go and gob.go. Added on day 1.
 */
import type { Socket } from 'node:net';
import { drained } from '../guard/drain.ts';
import { checkFrameSizes } from '../guard/frame-size.ts';
import { isHeader } from '../guard/header.ts';
import { messageOf } from '../guard/text.ts';
import type { Encoding } from './encoding.ts';
import { encodeFrames, FrameError, type FrameReader, whenClosed } from './frame.ts';
import { json } from './json.ts';
import { msgpack } from './msgpack.ts';
import { yaml } from './yaml.ts';

/** What travels in front of every request and response. */
export interface Header {
  serviceMethod: string; // "Service.method"
  seq: number; // chosen by the client, echoed by the server
  error: string; // empty on success
  timeout?: number; // exercise 1: how long the client waits, in ms from now (gRPC's grpc-timeout)
}

/** A message read whole: its header, and its body or the CodecError that decoding it threw. */
export interface Message {
  h: Header;
  body: unknown; // null when `error` is set
  error?: CodecError;
}

/** One connection's reading and writing of messages. */
export interface Codec {
  /** The next header, or `null` when the peer closed the connection between messages. */
  readHeader(): Promise<Header | null>;
  /**
   * The body after the header just read. Throws CodecError when its frame arrived whole
   * but does not decode: only that message is lost. Any other error ends the connection.
   */
  readBody(): Promise<unknown>;
  /**
   * `readHeader()` then `readBody()`, without the wait, when the frames of both are here
   * whole; otherwise undefined, and nothing is read. A read loop's fast path.
   */
  tryRead(): Message | undefined;
  /**
   * Sends header and body as one message. Throws, sending nothing, if they cannot be
   * encoded, or if a frame would be longer than `maxFrameSize` (the server's replies).
   */
  write(header: Header, body: unknown, maxFrameSize?: number): void;
  /** Payload bytes of every frame read so far: what the peer has made us hold. */
  readonly bytesRead: number;
  /** Bytes written but not yet taken by the OS: they pile up when the peer stops reading. */
  readonly writableLength: number;
  /** Resolves once the bytes written so far have left, or the connection has closed. */
  drained(): Promise<void>;
  /** Closes the connection at once, and resolves when it is closed. */
  close(): Promise<void>;
}

export type { Encoding };

/** Every encoding a connection can choose. Adding a codec: one file, its import, one line here. */
export const encodings = {
  'application/json': json,
  'application/msgpack': msgpack,
  'application/yaml': yaml,
} as const satisfies Record<string, Encoding>;

export type CodecType = keyof typeof encodings;

export type NewCodecFunc = (conn: Socket, reader: FrameReader) => Codec;

/** GeeRPC's NewCodecFuncMap: the constructor of a connection's codec, by codec type. */
export const newCodecFuncMap = {} as Record<CodecType, NewCodecFunc>;
for (const type of Object.keys(encodings) as CodecType[]) {
  newCodecFuncMap[type] = (conn, reader) => new FramedCodec(conn, reader, encodings[type]);
}

/** The bytes were framed correctly but do not decode to a message (the stream is in step). */
export class CodecError extends Error {
  override name = 'CodecError';
}

/** A codec that sends each header and body as one frame, encoded with `encoding`. */
export class FramedCodec implements Codec {
  readonly #conn: Socket;
  readonly #reader: FrameReader;
  readonly #encoding: Encoding;
  #bytesRead = 0;

  // The reader is passed in, not made here, because it has already read the option
  // frame: whatever bytes it buffered after that belong to this codec.
  constructor(conn: Socket, reader: FrameReader, encoding: Encoding) {
    this.#conn = conn;
    this.#reader = reader;
    this.#encoding = encoding;
  }

  async readHeader(): Promise<Header | null> {
    const frame = await this.#reader.read();
    return frame === null ? null : this.#header(frame);
  }

  async readBody(): Promise<unknown> {
    const frame = await this.#reader.read();
    if (frame === null) throw new FrameError('connection ended between a header and its body');
    return this.#decode(frame);
  }

  tryRead(): Message | undefined {
    if (!this.#reader.holds(2)) return undefined;
    const h = this.#header(this.#reader.tryRead() as Buffer);
    try {
      return { h, body: this.#decode(this.#reader.tryRead() as Buffer) };
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      return { h, body: null, error: err };
    }
  }

  write(header: Header, body: unknown, maxFrameSize = Number.POSITIVE_INFINITY): void {
    // Encode both before writing anything, so that a body that cannot be encoded sends
    // nothing. `undefined` has no JSON encoding: every codec sends it as `null`.
    const message = encodeFrames(
      this.#encoding.encode(header),
      this.#encoding.encode(body ?? null),
    );
    if (message.length > maxFrameSize) checkFrameSizes(message, maxFrameSize);
    if (!this.#conn.writable) return; // the peer is gone; there is nobody to tell
    // Messages written in the same tick leave in one system call: cork now, uncork once
    // this tick's work is done (the chapter's sidebar on one write per message says why).
    if (this.#conn.writableCorked === 0) {
      this.#conn.cork();
      process.nextTick(() => this.#conn.uncork());
    }
    // One write per message. Node never interleaves two writes, so this is all it takes
    // to stop two responses from mixing, the job of the `sending` mutex in Go.
    this.#conn.write(message);
  }

  get bytesRead(): number {
    return this.#bytesRead;
  }

  get writableLength(): number {
    return this.#conn.writableLength;
  }

  drained(): Promise<void> {
    return drained(this.#conn);
  }

  close(): Promise<void> {
    // Not end(), which waits for the queued bytes to drain: a peer that has stopped
    // reading would make close() wait forever. But first hand over what this tick wrote
    // (we cork until the next tick): a reply written just before close() must not be lost.
    if (this.#conn.writableCorked > 0) this.#conn.uncork();
    this.#conn.destroy();
    return whenClosed(this.#conn);
  }

  #header(frame: Buffer): Header {
    const header = this.#decode(frame);
    if (!isHeader(header))
      throw new CodecError('malformed header: want {serviceMethod, seq, error}');
    return header;
  }

  #decode(frame: Buffer): unknown {
    this.#bytesRead += frame.length;
    try {
      return this.#encoding.decode(frame);
    } catch (err) {
      const reason = `cannot decode a frame of ${frame.length} bytes: ${messageOf(err)}`;
      throw new CodecError(reason, { cause: err });
    }
  }
}
