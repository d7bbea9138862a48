/**
 * The client: one connection, many calls in flight. Each call gets a sequence number,
 * waits in `pending`, and is matched to its response by `seq`, whatever the order
 * responses arrive in. Mirrors GeeRPC's client.go. Added on day 2; day 3 added `stub`;
 * day 4 added the connect timeout and a signal per call; day 5, dialling through HTTP
 * and over TLS;
 * day 6, a signal for a dial.
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { type Codec, CodecError, encodings, type Message, newCodecFuncMap } from './codec/codec.ts';
import { FrameReader } from './codec/frame.ts';
import { RpcError, ServerError, ShutdownError, TimeoutError } from './errors.ts';
import { untilAborted } from './guard/abortable.ts';
import { splitRpcAddr, tcpAddress } from './guard/address.ts';
import { CLIENT_DEFAULTS, connectTimeout, MAX_UNSENT_BYTES } from './guard/client-limits.ts';
import { clip, messageOf } from './guard/text.ts';
import {
  CONNECTED,
  DEFAULT_OPTION,
  DEFAULT_RPC_PATH,
  encodeJsonFrame,
  type Option,
  type OptionReply,
} from './protocol.ts';

/** One RPC in flight. `done` resolves with the call itself once it has a reply or an error. */
export class Call {
  seq = 0; // set when the call is registered
  readonly serviceMethod: string;
  readonly args: unknown;
  reply: unknown;
  error: Error | undefined;
  /** Day 4: takes the call's listener off its caller's signal, once it has one. */
  unhook: (() => void) | undefined;
  #resolve!: (call: Call) => void;
  // `done` never rejects, as Go's Done channel never carries an error: a call started
  // with `go()` and never awaited must not become an unhandled rejection.
  readonly done = new Promise<Call>((resolve) => {
    this.#resolve = resolve;
  });

  constructor(serviceMethod: string, args: unknown) {
    this.serviceMethod = serviceMethod;
    this.args = args;
  }

  /** Completes the call, failed with `error` if one is given. Only the client calls this, once. */
  finish(error?: Error): void {
    if (error !== undefined) this.error = error;
    this.#resolve(this);
  }
}

/**
 * A service's methods as the client sees them: same names, same argument, and a promise
 * of the reply. `Stub<Foo>` is computed from the class, so a typo or a wrong argument
 * type does not compile. Only the types travel from server to client, never the class.
 */
export type Stub<T> = {
  [K in keyof T as Published<K, T[K]>]: T[K] extends (...args: infer A) => infer R
    ? A extends []
      ? (args?: undefined, options?: CallOptions) => Promise<Awaited<R>>
      : (args: A[0], options?: CallOptions) => Promise<Awaited<R>>
    : never;
};

// The keys a stub offers: T's methods, less the `_`-prefixed ones the server keeps to itself.
type Published<K, V> = K extends `_${string}` ? never : V extends Method ? K : never;
type Method = (...args: never[]) => unknown;

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
    // Given up on before it started: nothing is sent.
    if (signal?.aborted) call.finish(signal.reason);
    else this.#send(call, signal);
    return call;
  }

  /** Makes a call and resolves with its reply, or rejects with its error. */
  async call<Reply = unknown>(
    serviceMethod: string,
    args: unknown,
    options: CallOptions = {},
  ): Promise<Reply> {
    // Backpressure: while the server leaves too much unread, wait (a loop: every waiting
    // call wakes at the same 'drain', and the first to run may fill the buffer again).
    // The caller's signal bounds this wait too.
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
    return new Proxy({} as Stub<T>, {
      // `then` must be missing, or `await stub` would call a remote method named then.
      get: (_target, name) =>
        typeof name === 'string' && name !== 'then'
          ? (args: unknown, options?: CallOptions) =>
              this.call(`${serviceName}.${name}`, args, options)
          : undefined,
    });
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

  #send(call: Call, signal?: AbortSignal): void {
    const seq = this.#registerCall(call, signal);
    if (seq === undefined) return;
    try {
      this.#codec.write({ serviceMethod: call.serviceMethod, seq, error: '' }, call.args);
    } catch (err) {
      // Nothing was sent (the codec encodes before it writes), so nothing will answer.
      this.#removeCall(seq);
      const message = `rpc client: cannot encode args: ${messageOf(err)}`;
      call.finish(new RpcError(message, { cause: err }));
    }
  }

  #registerCall(call: Call, signal?: AbortSignal): number | undefined {
    if (this.#closing || this.#shutdown !== undefined) {
      const err = this.#shutdown ?? new ShutdownError('rpc client: connection is shut down');
      call.finish(new ShutdownError(err.message, { cause: err.cause }));
      return undefined;
    }
    call.seq = this.#seq++;
    this.#pending.set(call.seq, call);
    if (signal !== undefined) this.#cancelOn(signal, call);
    return call.seq;
  }

  // Day 4: while the call is pending, its caller's signal cancels it. The call leaves
  // `pending` (a reply that comes later finds nobody, and is dropped) and fails with the
  // signal's reason, as fetch() does. However the call ends, removeCall unhooks it.
  #cancelOn(signal: AbortSignal, call: Call): void {
    const cancel = () => this.#removeCall(call.seq)?.finish(signal.reason);
    signal.addEventListener('abort', cancel, { once: true });
    call.unhook = () => signal.removeEventListener('abort', cancel);
  }

  #removeCall(seq: number): Call | undefined {
    const call = this.#pending.get(seq);
    this.#pending.delete(seq);
    call?.unhook?.(); // a long-lived signal must not keep calls that have ended
    return call;
  }

  // Fails every pending call. After this, no call is ever pending again. Each call gets
  // an error of its own, because call() gives each one its caller's stack.
  #terminateCalls(err: ShutdownError): void {
    this.#shutdown = err;
    for (const call of this.#pending.values()) {
      this.#removeCall(call.seq);
      call.finish(new ShutdownError(err.message, { cause: err.cause }));
    }
  }

  // The one receive loop of this connection: read a response, find its call, finish it.
  async #receive(): Promise<void> {
    let err: ShutdownError;
    try {
      for (;;) {
        // A response already here whole is read at once, without a promise (chapter 2's sidebar).
        const res = this.#codec.tryRead() ?? (await this.#readResponse());
        if (res === null) break;
        const { h, body, error } = res;
        const call = this.#removeCall(h.seq);
        if (call === undefined) continue; // nobody is waiting for this reply: drop it
        if (h.error !== '') call.error = new ServerError(h.error);
        else if (error !== undefined) call.error = undecodable(error);
        else call.reply = body;
        call.finish();
      }
      err = new ShutdownError('rpc client: connection closed by the server');
    } catch (cause) {
      err = new ShutdownError(`rpc client: connection lost: ${messageOf(cause)}`, { cause });
    }
    if (this.#closing) err = new ShutdownError('rpc client: connection is shut down');
    this.#terminateCalls(err);
    void this.#codec.close(); // never rejects; resolves once the socket is closed
  }

  // A response is two frames, header then body. Null when the server closed between two.
  async #readResponse(): Promise<Message | null> {
    const h = await this.#codec.readHeader();
    if (h === null) return null;
    try {
      // Read the body before looking up the call, so that the stream stays in step
      // even when the call is no longer pending. Any error but CodecError ends the connection.
      return { h, body: await this.#codec.readBody() };
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      return { h, body: null, error: err };
    }
  }
}

// A reply whose frame arrived whole but does not decode costs its call an error, not the
// connection: the stream is still in step.
function undecodable(err: CodecError): RpcError {
  return new RpcError(`rpc client: cannot decode reply: ${err.message}`, { cause: err });
}

// The option to send: the caller's fields over the defaults. A field given as undefined
// means "the default" (`{ codecType: undefined }` must not send a missing codec).
function withDefaults(option: Partial<Option>): Option {
  const given = Object.entries(option).filter(([, value]) => value !== undefined);
  return { ...DEFAULT_OPTION, ...Object.fromEntries(given) };
}

/** Day 5: `tls` is TCP with TLS on top; GeeRPC's frames run inside it, unchanged. */
export type Network = 'tcp' | 'unix' | 'tls';

/** What `dial` takes: the Option it sends, and the client's own settings, which never travel. */
export interface DialOptions extends Partial<Option>, Partial<typeof CLIENT_DEFAULTS> {
  /** For network `tls`: what to trust (`ca`), the name to check (`servername`), ... (day 5). */
  tls?: tls.ConnectionOptions;
  /** Gives up on the dial when it fires: the socket is destroyed (day 6). */
  signal?: AbortSignal;
}

/**
 * Connects to a GeeRPC server: `dial('tcp', '127.0.0.1:9999')`,
 * `dial('unix', '/tmp/geerpc.sock')` or `dial('tls', '127.0.0.1:9999', { tls: { ca } })`.
 * Resolves once the server has accepted the option, or rejects with a TimeoutError when
 * that takes longer than `connectTimeout`.
 */
export function dial(network: Network, address: string, opts?: DialOptions): Promise<Client> {
  return dialTimeout(newClient, network, address, opts);
}

/**
 * Connects to a GeeRPC server behind an HTTP server (`server.handleHTTP`): a CONNECT to
 * the RPC path, then GeeRPC on the same socket. `connectTimeout` covers the CONNECT too.
 */
export function dialHTTP(network: Network, address: string, opts?: DialOptions): Promise<Client> {
  return dialTimeout(newHTTPClient, network, address, opts);
}

/**
 * Dials an address of the form protocol@address, as a client that learns its servers
 * from elsewhere (days 6 and 7) gets them: `tcp@127.0.0.1:9999`, `http@127.0.0.1:9999`,
 * `tls@127.0.0.1:9999` or `unix@/tmp/geerpc.sock`.
 */
export async function xDial(rpcAddr: string, opts?: DialOptions): Promise<Client> {
  const [protocol, address] = splitRpcAddr(rpcAddr); // throws unless protocol@address
  return protocol === 'http' ? dialHTTP('tcp', address, opts) : dial(protocol, address, opts);
}

type NewClientFunc = (conn: net.Socket, option: Option, maxFrameSize?: number) => Promise<Client>;

// One deadline for connect and handshake together, as GeeRPC's dialTimeout bounds both.
// On any failure the socket is destroyed: Go's original leaves its goroutine connecting.
async function dialTimeout(
  f: NewClientFunc,
  network: Network,
  address: string,
  opts: DialOptions = {},
): Promise<Client> {
  const { maxFrameSize, tls: tlsOptions, signal, ...option } = opts; // ours, not the server's
  const opt = withDefaults(option); // the caller's object stays as it was
  const ms = connectTimeout(opt); // a number of ms a timer can honour, or it throws
  signal?.throwIfAborted();
  const conn = connect(network, address, tlsOptions);
  let timer: NodeJS.Timeout | undefined;
  const timeUp = new Promise<never>((_, reject) => {
    const err = new TimeoutError(`rpc client: connect timeout: expect within ${ms} ms`);
    if (ms > 0) timer = setTimeout(reject, ms, err).unref();
  });
  try {
    // once() rejects with the connection's error (ECONNREFUSED, a certificate not trusted...).
    const ready = network === 'tls' ? 'secureConnect' : 'connect'; // TLS: after its handshake
    const connected = once(conn, ready).then(() => f(conn, opt, maxFrameSize));
    // The signal ends the dial as the deadline does.
    return await Promise.race([untilAborted(connected, signal), timeUp]);
  } catch (err) {
    conn.destroy(); // also ends the work that lost the race
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

// Starts connecting. TLS checks the server's certificate against `tlsOptions.ca` (or the
// system's roots) and the name dialled; either failing is an 'error' on the socket.
function connect(network: Network, address: string, tlsOptions: tls.ConnectionOptions = {}) {
  if (network === 'unix') return net.connect({ path: address });
  if (network === 'tcp') return net.connect(tcpAddress(address));
  if (network === 'tls') return tls.connect({ ...tcpAddress(address), ...tlsOptions });
  throw new RpcError(`rpc client: unsupported network ${network}`);
}

/** The option handshake on a connected socket, then a client on it. */
export async function newClient(
  conn: net.Socket,
  option: Option,
  maxFrameSize = CLIENT_DEFAULTS.maxFrameSize,
): Promise<Client> {
  conn.on('error', () => {}); // errors reach us through the reader, as on the server
  conn.setNoDelay(true);
  const reader = new FrameReader(conn, { maxFrameSize });
  try {
    conn.write(encodeJsonFrame(option));
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

/**
 * Asks the HTTP server on a connected socket to hand it over to GeeRPC, then does the
 * option handshake on it. GeeRPC writes the CONNECT by hand and reads the answer with
 * Go's HTTP parser; here Node's HTTP client does both, on our socket.
 */
export async function newHTTPClient(
  conn: net.Socket,
  option: Option,
  maxFrameSize?: number,
): Promise<Client> {
  const req = http.request({
    method: 'CONNECT',
    path: DEFAULT_RPC_PATH,
    host: conn.remoteAddress, // with the port, the Host header that HTTP/1.1 requires
    port: conn.remotePort,
    // Without an agent Node would add "Connection: close", which asks a proxy on the
    // way to close the connection after its answer: the opposite of what we want.
    headers: { connection: 'keep-alive' },
    createConnection: () => conn,
  });
  req.end();
  const [res, , head] = (await once(req, 'connect').catch(notConnected)) as ConnectArgs;
  const status = `${res.statusCode} ${res.statusMessage}`;
  if (status !== CONNECTED) {
    throw new RpcError(`rpc client: unexpected HTTP response: ${clip(status)}`);
  }
  if (head.length > 0) conn.unshift(head); // bytes read behind the answer are GeeRPC's
  return newClient(conn, option, maxFrameSize);
}

type ConnectArgs = [http.IncomingMessage, net.Socket, Buffer]; // what 'connect' hands over

// The request failed before any answer (reset, closed, not HTTP at all).
function notConnected(cause: unknown): never {
  throw new RpcError(
    `rpc client: HTTP CONNECT failed: ${messageOf(cause)} (server at its connection limit, or not GeeRPC over HTTP? for plain GeeRPC, use tcp@)`,
    { cause },
  );
}

// The server's answer to the option. Anything but a well-formed reply means that the
// peer does not speak GeeRPC (an HTTP server answers with text, say), and dial fails.
async function readOptionReply(reader: FrameReader): Promise<OptionReply> {
  let reply: Partial<OptionReply> | null = null;
  try {
    const frame = await reader.read();
    if (frame !== null) reply = JSON.parse(frame.toString('utf8'));
  } catch (cause) {
    throw new RpcError(`rpc client: bad option reply: ${messageOf(cause)}`, { cause });
  }
  if (typeof reply?.error !== 'string') {
    throw new RpcError(
      'rpc client: no option reply (server at its connection limit, or not GeeRPC?)',
    );
  }
  return { error: reply.error };
}
