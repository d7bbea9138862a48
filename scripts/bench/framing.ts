/**
 * The bench's own framing, independent of any day folder: `4-byte big-endian length +
 * payload`, as on a GeeRPC connection. The baseline (a raw framed echo) and the hand-made
 * callers use it, so that the floor they measure does not move when a day's code does.
 */
import { once } from 'node:events';
import net from 'node:net';

/** The option every bench connection opens with: JSON, as on any GeeRPC connection. */
export const OPTION = Buffer.from(
  JSON.stringify({ magicNumber: 3927900, codecType: 'application/json' }),
);

/** A JSON `Arith.sum` request's two payloads: what the baseline sends on every call. */
export const SUM_HEADER = Buffer.from(
  JSON.stringify({ serviceMethod: 'Arith.sum', seq: 123, error: '' }),
);
export const SUM_BODY = Buffer.from(JSON.stringify({ num1: 1, num2: 2 }));

/** The 4-byte length prefix of a payload. */
export function prefix(payload: Uint8Array): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(payload.length);
  return bytes;
}

/** Each payload behind its prefix, in one buffer: one write, one message. */
export function frames(...payloads: Uint8Array[]): Buffer {
  return Buffer.concat(payloads.flatMap((payload) => [prefix(payload), payload]));
}

/**
 * Cuts a byte stream into whole frames, prefix included (an echo sends them back as they
 * are). Bytes of a frame that has not fully arrived wait for the next chunk.
 */
export class FrameCutter {
  #rest: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    // Copy only when a frame straddles two chunks; usually the chunk is cut in place.
    const bytes = this.#rest.length === 0 ? chunk : Buffer.concat([this.#rest, chunk]);
    const cut: Buffer[] = [];
    let offset = 0;
    while (bytes.length - offset >= 4) {
      const end = offset + 4 + bytes.readUInt32BE(offset);
      if (end > bytes.length) break;
      cut.push(bytes.subarray(offset, end));
      offset = end;
    }
    this.#rest = bytes.subarray(offset);
    return cut;
  }
}

/**
 * Writes now, sends at the end of the tick: every write of this tick leaves in one
 * system call, the same corking the day's codec does, so the baseline is not handicapped.
 */
export function writeCorked(socket: net.Socket, bytes: Buffer): void {
  if (socket.writableCorked === 0) {
    socket.cork();
    process.nextTick(() => socket.uncork());
  }
  socket.write(bytes);
}

interface Waiter {
  count: number;
  resolve: (payloads: Buffer[]) => void;
  reject: (err: Error) => void;
}

/**
 * A client connection that speaks bare frames. `expect(n)` waits for the next n frames;
 * waiters are served in the order they asked, which is the order an echo (or a server
 * answering one caller) replies in.
 */
export class RawConn {
  readonly socket: net.Socket;
  readonly #cutter = new FrameCutter();
  readonly #received: Buffer[] = []; // payloads no waiter has claimed yet
  readonly #waiters: Waiter[] = [];
  #failure: Error | undefined;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      for (const frame of this.#cutter.push(chunk)) this.#received.push(frame.subarray(4));
      this.#serve();
    });
    socket.on('error', (err) => this.#fail(err));
    socket.on('close', () => this.#fail(new Error('bench: connection closed')));
  }

  /** Connects to 127.0.0.1:port. `noDelay: false` leaves Nagle's algorithm on. */
  static async connect(port: number, noDelay = true): Promise<RawConn> {
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.setNoDelay(noDelay);
    return new RawConn(socket);
  }

  expect(count: number): Promise<Buffer[]> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#waiters.push({ count, resolve, reject });
      this.#serve();
    });
  }

  /** Sends the option and checks the server's `{"error":""}`: a GeeRPC server accepted us. */
  async handshake(): Promise<void> {
    this.socket.write(frames(OPTION));
    const [reply] = await this.expect(1);
    const { error } = JSON.parse(String(reply));
    if (error !== '') throw new Error(`bench: server refused the option: ${error}`);
  }

  close(): Promise<void> {
    if (this.socket.closed) return Promise.resolve();
    this.socket.destroy();
    return once(this.socket, 'close').then(() => undefined);
  }

  #serve(): void {
    for (;;) {
      const waiter = this.#waiters[0];
      if (waiter === undefined || this.#received.length < waiter.count) return;
      this.#waiters.shift();
      waiter.resolve(this.#received.splice(0, waiter.count));
    }
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(this.#failure);
  }
}
