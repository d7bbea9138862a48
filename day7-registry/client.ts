/**
 * The client: one connection, many calls in flight. Each call gets a sequence number,
 * waits in `pending`, and is matched to its response by `seq`, whatever the order
 * responses arrive in. Mirrors GeeRPC's client.go. Added on day 2; day 3 added `stub`;
 * day 4 added the connect timeout and a signal per call; day 5, dialling through HTTP.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { type Codec, CodecError, encodings, newCodecFuncMap } from './codec/codec.ts';
import { DEFAULT_MAX_FRAME_SIZE, encodeFrames, FrameReader } from './codec/frame.ts';
import { RpcError, ServerError, ShutdownError, TimeoutError } from './errors.ts';
import {
  CONNECTED,
  DEFAULT_OPTION,
  DEFAULT_RPC_PATH,
  isTimeout,
  type Option,
  type OptionReply,
} from './server.ts';

// Unsent request bytes past which call() waits for them to drain before it sends more:
// a server that stops reading must not make the client buffer without bound.
const MAX_UNSENT_BYTES = 1024 * 1024;

/** One RPC in flight. `done` resolves with the call itself once it has a reply or an error. */
export class Call {
  seq = 0; // set when the call is registered
  readonly serviceMethod: string;
  readonly args: unknown;
  reply: unknown;
  error: Error | undefined;
  // `done` never rejects, as Go's Done channel never carries an error: a call started
  // with `go()` and never awaited must not become an unhandled rejection.
  readonly done: Promise<Call>;
  readonly #resolve: (call: Call) => void;

  constructor(serviceMethod: string, args: unknown) {
    this.serviceMethod = serviceMethod;
    this.args = args;
    let resolve!: (call: Call) => void;
    this.done = new Promise((r) => {
      resolve = r;
    });
    this.#resolve = resolve;
  }

  /** Completes the call. Only the client calls this, exactly once per call. */
  finish(): void {
    this.#resolve(this);
  }
}

type Callable = (...args: never[]) => unknown;

// The names a stub offers: T's methods, less the `_`-prefixed ones the server keeps to itself.
type RemoteMethodName<T> = {
  [K in keyof T]: K extends `_${string}` ? never : T[K] extends Callable ? K : never;
}[keyof T];

/**
 * A service's methods as the client sees them: same names, same argument, and a promise
 * of the reply. `Stub<Foo>` is computed from the class, so a typo or a wrong argument
 * type does not compile. Only the types travel from server to client, never the class.
 */
export type Stub<T> = {
  [K in RemoteMethodName<T>]: T[K] extends (...args: infer A) => infer R
    ? A extends []
      ? (args?: undefined, options?: CallOptions) => Promise<Awaited<R>>
      : (args: A[0], options?: CallOptions) => Promise<Awaited<R>>
    : never;
};

/** What a caller can say about one call. */
export interface CallOptions {
  /** Gives up on the call when it fires: the call rejects with `signal.reason`. */
  signal?: AbortSignal;
}

export class Client {
  readonly #codec: Codec;
  readonly #pending = new Map<number, Call>(); // seq -> call, until its response arrives
  #seq = 1;
  #closing = false; // the user called close()
  #shutdown: ShutdownError | undefined; // set once the connection is gone
  readonly #receiving: Promise<void>;

  /** Use `dial()`, which also does the option handshake; this takes a ready codec. */
  constructor(codec: Codec) {
    this.#codec = codec;
    this.#receiving = this.#receive();
  }

  /** Starts a call and returns it at once; await `call.done` for the outcome. */
  go(serviceMethod: string, args: unknown, { signal }: CallOptions = {}): Call {
    const call = new Call(serviceMethod, args);
    if (signal?.aborted) {
      call.error = signal.reason; // given up on before it started: nothing is sent
      call.finish();
      return call;
    }
    this.#send(call);
    if (signal !== undefined && this.#pending.has(call.seq)) this.#cancelOn(signal, call);
    return call;
  }

  /** Makes a call and resolves with its reply, or rejects with its error. */
  async call<Reply = unknown>(
    serviceMethod: string,
    args: unknown,
    options: CallOptions = {},
  ): Promise<Reply> {
    // Backpressure: while the server leaves too much of what we sent unread, wait. A
    // loop, because every waiting call wakes at the same 'drain' and the first ones to
    // run may fill the buffer again. The caller's signal bounds this wait too.
    while (this.#codec.writableLength > MAX_UNSENT_BYTES) {
      await untilAborted(this.#codec.drained(), options.signal);
    }
    const call = await this.go(serviceMethod, args, options).done;
    if (call.error !== undefined) {
      // The error was made in the receive loop, so its stack says nothing about who
      // called. Captured here, after an await, V8's async stack traces reach back to
      // the caller's line. It costs nothing on success (grpc-js does the same). Only
      // our own errors: a signal's reason belongs to the caller, as it was given.
      if (call.error instanceof RpcError) Error.captureStackTrace(call.error);
      throw call.error;
    }
    return call.reply as Reply;
  }

  /**
   * A typed stand-in for a remote service: `client.stub<Foo>('Foo').sum(args)` is
   * `client.call('Foo.sum', args)`, with Foo's types. The names are not checked against
   * the server until a call is made.
   */
  stub<T>(serviceName: string): Stub<T> {
    const handler: ProxyHandler<object> = {
      get: (_target, name) => {
        // `then` must be missing, or `await stub` would call a remote method named then.
        if (typeof name !== 'string' || name === 'then') return undefined;
        return (args: unknown, options?: CallOptions) =>
          this.call(`${serviceName}.${name}`, args, options);
      },
    };
    return new Proxy({}, handler) as Stub<T>;
  }

  /** How many calls are waiting for a reply: sent, and neither answered nor given up on. */
  get pending(): number {
    return this.#pending.size;
  }

  /** False once the client is closed or its connection is lost. */
  isAvailable(): boolean {
    return !this.#closing && this.#shutdown === undefined;
  }

  /** Closes the connection; pending calls fail with ShutdownError. Safe to call twice. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all([this.#codec.close(), this.#receiving]);
  }

  // The one place where a call's cancellation is armed and disarmed. When the signal
  // fires, the call is forgotten (a reply that comes later finds nobody pending and is
  // dropped) and fails with the signal's reason, as fetch() does. However the call
  // ends, the listener goes: a long-lived signal must not collect dead calls.
  #cancelOn(signal: AbortSignal, call: Call): void {
    const cancel = () => {
      if (this.#removeCall(call.seq) === undefined) return; // it had finished already
      call.error = signal.reason;
      call.finish();
    };
    signal.addEventListener('abort', cancel, { once: true });
    void call.done.then(() => signal.removeEventListener('abort', cancel));
  }

  #send(call: Call): void {
    const seq = this.#registerCall(call);
    if (seq === undefined) return;
    try {
      this.#codec.write({ serviceMethod: call.serviceMethod, seq, error: '' }, call.args);
    } catch (err) {
      // Nothing was sent (the codec encodes before it writes), so nothing will answer.
      this.#removeCall(seq);
      call.error = new RpcError(`rpc client: cannot encode args: ${describe(err)}`, { cause: err });
      call.finish();
    }
  }

  #registerCall(call: Call): number | undefined {
    if (this.#closing || this.#shutdown !== undefined) {
      const err = this.#shutdown ?? new ShutdownError('rpc client: connection is shut down');
      call.error = new ShutdownError(err.message, { cause: err.cause });
      call.finish();
      return undefined;
    }
    call.seq = this.#seq++;
    this.#pending.set(call.seq, call);
    return call.seq;
  }

  #removeCall(seq: number): Call | undefined {
    const call = this.#pending.get(seq);
    this.#pending.delete(seq);
    return call;
  }

  // Fails every pending call. After this, no call is ever pending again. Each call gets
  // an error of its own, because call() gives each one its caller's stack.
  #terminateCalls(err: ShutdownError): void {
    this.#shutdown = err;
    for (const call of this.#pending.values()) {
      call.error = new ShutdownError(err.message, { cause: err.cause });
      call.finish();
    }
    this.#pending.clear();
  }

  // The one receive loop of this connection: read a response, find its call, finish it.
  async #receive(): Promise<void> {
    let err: ShutdownError;
    try {
      for (;;) {
        const h = await this.#codec.readHeader();
        if (h === null) break;
        // Read the body before looking up the call, so that the stream stays in step
        // even when the call is no longer pending.
        const body = await this.#readReply();
        const call = this.#removeCall(h.seq);
        if (call === undefined) continue; // nobody is waiting for this reply: drop it
        if (h.error !== '') call.error = new ServerError(h.error);
        else if (body instanceof CodecError) {
          call.error = new RpcError(`rpc client: cannot decode reply: ${body.message}`, {
            cause: body,
          });
        } else call.reply = body;
        call.finish();
      }
      err = new ShutdownError('rpc client: connection closed by the server');
    } catch (cause) {
      err = new ShutdownError(`rpc client: connection lost: ${describe(cause)}`, { cause });
    }
    if (this.#closing) err = new ShutdownError('rpc client: connection is shut down');
    this.#terminateCalls(err);
    void this.#codec.close(); // never rejects; resolves once the socket is closed
  }

  // A reply's body, or the CodecError that says why it does not decode: that costs its
  // call an error, not the connection, since the stream is still in step.
  async #readReply(): Promise<unknown> {
    try {
      return await this.#codec.readBody();
    } catch (err) {
      if (err instanceof CodecError) return err;
      throw err;
    }
  }
}

/** Waits for `promise`, or rejects with the signal's reason if it fires first. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}

// The option to send: the caller's fields over the defaults. A field given as undefined
// means "the default" (`{ codecType: undefined }` must not send a missing codec).
function withDefaults(option: Partial<Option>): Option {
  const opt: Option = { ...DEFAULT_OPTION };
  for (const [key, value] of Object.entries(option)) {
    if (value !== undefined) Object.assign(opt, { [key]: value });
  }
  return opt;
}

export type Network = 'tcp' | 'unix';

/** What `dial` takes: the Option it sends, and settings that stay on this side of the wire. */
export interface DialOptions extends Partial<Option> {
  /** The largest reply frame this client reads, in bytes (default 16 MiB). */
  maxFrameSize?: number;
  /** Gives up on the dial when it fires: the socket is destroyed (day 6). */
  signal?: AbortSignal;
}

/**
 * Connects to a GeeRPC server: `dial('tcp', '127.0.0.1:9999')` or
 * `dial('unix', '/tmp/geerpc.sock')`. Resolves once the server has accepted the option,
 * or rejects with a TimeoutError when that takes longer than `connectTimeout`.
 */
export async function dial(
  network: Network,
  address: string,
  options: DialOptions = {},
): Promise<Client> {
  return dialWith(network, address, options, async (conn) => {
    await once(conn, 'connect'); // rejects with the connection error (ECONNREFUSED, ...)
  });
}

/**
 * Connects to a GeeRPC server behind an HTTP server (`server.handleHTTP`): asks for a
 * CONNECT to the RPC path, then speaks GeeRPC on the same socket. `connectTimeout`
 * covers the CONNECT exchange too.
 */
export async function dialHTTP(
  network: Network,
  address: string,
  options: DialOptions = {},
): Promise<Client> {
  const host = network === 'tcp' ? address : 'localhost'; // the Host header HTTP requires
  return dialWith(network, address, options, async (conn) => {
    await once(conn, 'connect'); // a refused connection fails as it does for dial()
    await connectHTTP(conn, host).catch((cause) => {
      if (cause instanceof RpcError) throw cause;
      throw new RpcError(
        `rpc client: HTTP CONNECT failed: ${describe(cause)} (does ${address} serve GeeRPC over HTTP? for plain GeeRPC, use tcp@)`,
        { cause },
      );
    });
  });
}

/**
 * Dials an address of the form protocol@address, as a client that learns its servers
 * from elsewhere (days 6 and 7) gets them: `tcp@127.0.0.1:9999`, `http@127.0.0.1:9999`
 * or `unix@/tmp/geerpc.sock`.
 */
export async function xDial(rpcAddr: string, options: DialOptions = {}): Promise<Client> {
  const at = rpcAddr.indexOf('@');
  const protocol = rpcAddr.slice(0, at);
  const address = rpcAddr.slice(at + 1);
  if (at <= 0 || address === '') {
    throw new RpcError(
      `rpc client: bad rpcAddr ${JSON.stringify(rpcAddr)}, want protocol@address: tcp@127.0.0.1:9999, http@127.0.0.1:9999 or unix@/tmp/geerpc.sock`,
    );
  }
  if (protocol === 'http') return dialHTTP('tcp', address, options);
  if (protocol === 'tcp' || protocol === 'unix') return dial(protocol, address, options);
  throw new RpcError(
    `rpc client: unknown protocol ${JSON.stringify(protocol)} in ${JSON.stringify(rpcAddr)}, want tcp, http or unix`,
  );
}

// What every dial shares: the option, one deadline, and the handshake once `open` has
// made the socket ready to carry GeeRPC.
async function dialWith(
  network: Network,
  address: string,
  options: DialOptions,
  open: (conn: net.Socket) => Promise<void>,
): Promise<Client> {
  const { maxFrameSize, signal, ...option } = options; // these two are ours, not the server's
  const opt = withDefaults(option); // the caller's object stays as it was
  if (!isTimeout(opt.connectTimeout)) {
    throw new RpcError(`rpc client: bad connectTimeout ${opt.connectTimeout}, want 0 to 2^31-1 ms`);
  }
  signal?.throwIfAborted();
  const conn = net.connect(connectOptions(network, address));
  // The signal ends the dial as the deadline does: withDeadline destroys the socket.
  return withDeadline(conn, opt.connectTimeout, () =>
    untilAborted(
      open(conn).then(() => newClient(conn, opt, maxFrameSize)),
      signal,
    ),
  );
}

// Asks the HTTP server to hand this socket over to GeeRPC. GeeRPC writes the request by
// hand and reads the answer with Go's HTTP parser; here Node's HTTP client does both,
// on our socket (`createConnection`), and gives the socket back on 'connect'.
async function connectHTTP(conn: net.Socket, host: string): Promise<void> {
  const req = http.request({
    method: 'CONNECT',
    path: DEFAULT_RPC_PATH,
    // Without an agent Node would add "Connection: close", which asks a proxy on the
    // way to close the connection after its answer: the opposite of what we want.
    headers: { host, connection: 'keep-alive' },
    createConnection: () => conn,
  });
  req.end();
  // Rejects with req's 'error': refused, reset, or closed before an answer.
  const [res, , head] = (await once(req, 'connect')) as [http.IncomingMessage, net.Socket, Buffer];
  const status = `${res.statusCode} ${res.statusMessage}`;
  if (status !== CONNECTED) {
    throw new RpcError(`rpc client: unexpected HTTP response: ${quote(status)}`);
  }
  // Bytes that came in behind the answer were read with it: they are GeeRPC's.
  if (head.length > 0) conn.unshift(head);
}

// One deadline for all of dial, connect and handshake together (GeeRPC's dialTimeout
// bounds both too). Past it the socket is destroyed: Go's original leaves the goroutine
// that was still connecting behind. So it is on any failure, with or without a limit (a
// refused CONNECT, day 5, fails outside newClient). The timer is cleared however it ends.
async function withDeadline<T>(conn: net.Socket, ms: number, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    if (ms === 0) return; // no limit: a deadline that never comes
    timer = setTimeout(
      () => reject(new TimeoutError(`rpc client: connect timeout: expect within ${ms} ms`)),
      ms,
    ).unref();
  });
  try {
    return await Promise.race([work(), deadline]);
  } catch (err) {
    conn.destroy(); // also ends the work that lost the race
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** The option handshake on a connected socket, then a client on it. */
export async function newClient(
  conn: net.Socket,
  option: Option,
  maxFrameSize = DEFAULT_MAX_FRAME_SIZE,
): Promise<Client> {
  conn.on('error', () => {}); // errors reach us through the reader, as on the server
  conn.setNoDelay(true);
  const reader = new FrameReader(conn, { maxFrameSize });
  try {
    conn.write(encodeFrames(Buffer.from(JSON.stringify(option))));
    const reply = await readOptionReply(reader);
    if (reply.error !== '')
      throw new RpcError(`rpc client: server refused the option: ${reply.error}`);
    if (!Object.hasOwn(encodings, option.codecType)) {
      throw new RpcError(`rpc client: unsupported codec ${option.codecType}`);
    }
    return new Client(newCodecFuncMap[option.codecType](conn, reader));
  } catch (err) {
    conn.destroy();
    throw err;
  }
}

// The server's answer to the option. Anything but a well-formed reply means that the
// peer does not speak GeeRPC (an HTTP server answers with text, say), and dial fails.
async function readOptionReply(reader: FrameReader): Promise<OptionReply> {
  let reply: Partial<OptionReply> | null = null;
  try {
    const frame = await reader.read();
    if (frame !== null) reply = JSON.parse(frame.toString('utf8'));
  } catch (cause) {
    throw new RpcError(`rpc client: bad option reply: ${describe(cause)}`, { cause });
  }
  if (typeof reply?.error !== 'string') {
    throw new RpcError('rpc client: no option reply: is this a GeeRPC server?');
  }
  return { error: reply.error };
}

function connectOptions(network: Network, address: string): net.NetConnectOpts {
  if (network === 'unix') return { path: address };
  if (network !== 'tcp') throw new RpcError(`rpc client: unsupported network ${network}`);
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1'); // [::1]:80 -> ::1
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RpcError(`rpc client: bad tcp address ${JSON.stringify(address)}, want host:port`);
  }
  return { host: host || 'localhost', port };
}

// Text from a peer, cut to 100 characters for an error message.
function quote(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

function describe(err: unknown): string {
  try {
    return String(err instanceof Error ? err.message : err);
  } catch {
    return 'a value that cannot be shown as text';
  }
}
