/**
 * The server: accepts connections, agrees on a codec with each, then reads requests
 * in a loop and answers each as soon as it is ready. Mirrors GeeRPC's server.go.
 * Added on day 1; day 3 replaced the canned reply with registered services; day 4
 * bounded the handshake and each handler in time; day 5 serves it over HTTP as well.
 */
import { setMaxListeners } from 'node:events';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import {
  type Codec,
  CodecError,
  type CodecType,
  encodings,
  type Header,
  newCodecFuncMap,
} from './codec/codec.ts';
import {
  ByteBudget,
  DEFAULT_MAX_FRAME_SIZE,
  encodeFrames,
  FrameReader,
  whenClosed,
} from './codec/frame.ts';
import { type DebugInfo, serveDebugPage } from './debug.ts';
import { type CallContext, type MethodType, Service } from './service.ts';

/** Marks a connection as GeeRPC's: 0x3bef5c. */
export const MAGIC_NUMBER = 3927900;

/** Where `handleHTTP` serves GeeRPC (by CONNECT) and the debug page (by GET). */
export const DEFAULT_RPC_PATH = '/_geerpc_';
export const DEFAULT_DEBUG_PATH = '/debug/geerpc';
/** The status line's code and text with which the server accepts a CONNECT. */
export const CONNECTED = '200 Connected to Gee RPC';

/** The first frame of every connection, always JSON, so that it can name the codec. */
export interface Option {
  magicNumber: number;
  codecType: CodecType;
  /** How long `dial` may take, connect and handshake together, in ms (0 = no limit). */
  connectTimeout: number;
  /** How long the server may take to handle each request, in ms (0 = no limit). */
  handleTimeout: number;
}

export const DEFAULT_OPTION: Readonly<Option> = Object.freeze({
  magicNumber: MAGIC_NUMBER,
  codecType: 'application/json',
  connectTimeout: 10_000,
  handleTimeout: 0,
});

/** The server's answer to an option, also JSON: `error` is empty when it is accepted. */
export interface OptionReply {
  error: string;
}

export interface ServerOptions {
  /** The largest frame this server reads, in bytes (default 16 MiB). */
  maxFrameSize?: number;
  /** What all connections together may hold of frames not yet read, in bytes (default 64 MiB). */
  maxBufferedBytes?: number;
  /** Unsent reply bytes past which a connection is not read until they drain (default 1 MiB). */
  maxUnsentBytes?: number;
  /** Requests of one connection handled at once; past it, no more are read (default 256). */
  maxInFlight?: number;
  /** Their frames' bytes, together; past it, no more are read (default 4 MiB). */
  maxInFlightBytes?: number;
  /** How long a client that has ended its side waits for its replies, in ms (default 10 s). */
  closeTimeout?: number;
  /** How long a new connection has to send its option, in ms (default 10 s, 0 = no limit). */
  handshakeTimeout?: number;
  /** The longest any handler may run, in ms, whatever a client asks (default 0 = no cap). */
  maxHandleTimeout?: number;
  /** Where the server reports what goes wrong on a connection (default: stderr). */
  log?: (message: string) => void;
}

// What the handlers of one connection share: its handle timeout, a context whose signal
// fires when it closes, and the contexts of handlers running under a timeout, which
// fire then too.
interface ConnCalls {
  timeout: number;
  closed: LazyContext;
  timed: Set<LazyContext>;
}

// A call's context whose AbortController is made only when someone reads `signal`: in
// Node 20 one costs about 5 µs and 1 KB, more than the rest of a call (npm run bench),
// and most methods never look. `onAbort` hears the abort either way.
class LazyContext implements CallContext {
  readonly #onAbort: (reason: unknown) => void;
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;

  constructor(onAbort: (reason: unknown) => void) {
    this.#onAbort = onAbort;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      setMaxListeners(0, this.#controller.signal); // every handler of a connection may listen
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    this.#onAbort(reason);
  }
}

// A request as read: the method to call, or the reason there is none.
type Request = { h: Header; argv: unknown } & (
  | { svc: Service; mtype: MethodType }
  | { error: string }
);

/** How long a refused client has to read the reason and hang up. */
const REFUSAL_LINGER_MS = 1000;

export class Server {
  readonly #maxFrameSize: number;
  readonly #budget: ByteBudget;
  readonly #maxUnsentBytes: number;
  readonly #maxInFlight: number;
  readonly #maxInFlightBytes: number;
  readonly #closeTimeout: number;
  readonly #handshakeTimeout: number;
  readonly #maxHandleTimeout: number;
  readonly #log: (message: string) => void;
  readonly #listeners = new Set<NetServer>();
  readonly #conns = new Set<Socket>();
  readonly #serviceMap = new Map<string, Service>();
  readonly #startedAt = Date.now();
  #inFlight = 0; // requests of all connections being handled now, for the debug page
  #errors = 0; // error responses sent, for the debug page
  #closing = false;

  constructor(options: ServerOptions = {}) {
    this.#maxFrameSize = options.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
    this.#budget = new ByteBudget(options.maxBufferedBytes);
    this.#maxUnsentBytes = options.maxUnsentBytes ?? 1024 * 1024;
    this.#maxInFlight = options.maxInFlight ?? 256;
    this.#maxInFlightBytes = options.maxInFlightBytes ?? 4 * 1024 * 1024;
    this.#closeTimeout = options.closeTimeout ?? 10_000;
    this.#handshakeTimeout = options.handshakeTimeout ?? 10_000;
    this.#maxHandleTimeout = options.maxHandleTimeout ?? 0;
    this.#log = options.log ?? ((message) => console.error(message));
  }

  /**
   * Publishes the receiver's public methods as "ClassName.method". Throws, saying why,
   * for a receiver that cannot be a service or a name that is already taken.
   */
  register(receiver: object): void {
    const service = new Service(receiver);
    if (this.#serviceMap.has(service.name)) {
      throw new Error(`rpc server: service already defined: ${service.name}`);
    }
    this.#serviceMap.set(service.name, service);
  }

  /** Serves every connection the listener accepts, until `close()`. */
  accept(listener: NetServer): void {
    this.#listeners.add(listener);
    listener.on('connection', (conn: Socket) => void this.serveConn(conn));
  }

  /**
   * Serves GeeRPC on an HTTP server too: a CONNECT to `rpcPath` turns that connection
   * into a GeeRPC one, and a GET of `debugPath` shows the debug page. GeeRPC registers
   * on Go's global ServeMux, so two servers in one process collide; this wires only the
   * HTTP server it is given, and answers all of its requests (404 for other paths).
   */
  handleHTTP(
    httpServer: HttpServer,
    rpcPath = DEFAULT_RPC_PATH,
    debugPath = DEFAULT_DEBUG_PATH,
  ): void {
    // A second handler would answer the same requests twice: refuse to share.
    if (httpServer.listenerCount('request') + httpServer.listenerCount('connect') > 0) {
      throw new Error('rpc server: handleHTTP needs an HTTP server with no request handler');
    }
    this.#listeners.add(httpServer); // close() closes it, as it closes accept()'s listeners
    // Node's HTTP server gives a connection that never sends a byte all the time in the
    // world (its header timeout starts with the first byte): the handshake's limit, then.
    if (httpServer.timeout === 0) httpServer.timeout = this.#handshakeTimeout;
    httpServer.on('connect', (req: IncomingMessage, conn: Socket, head: Buffer) => {
      if (pathOf(req) !== rpcPath || this.#closing) {
        refuseConnect(conn, this.#closing ? '503 Service Unavailable' : '404 Not Found');
        return;
      }
      // Go's handler hijacks the connection from net/http. Node hands it over by itself:
      // after 'connect' its HTTP parser lets go of the socket. Two things remain ours.
      // The status line ends in CRLF, as HTTP says (GeeRPC's bare "\n" is refused by
      // Node's client). And `head` holds bytes the client sent right behind its CONNECT,
      // which Node read along with it: they are GeeRPC's, so they go back in the stream.
      conn.setTimeout(0); // from here on, GeeRPC's own limits apply, not HTTP's
      conn.write(`HTTP/1.0 ${CONNECTED}\r\n\r\n`);
      if (head.length > 0) conn.unshift(head);
      void this.serveConn(conn);
    });
    httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const path = pathOf(req);
      if (path === debugPath) serveDebugPage(req, res, this.#debugInfo());
      else if (path === rpcPath) sendText(res, 405, '405 must CONNECT', { allow: 'CONNECT' });
      else sendText(res, 404, '404 page not found');
    });
  }

  /** Serves one connection until it ends. Never rejects: a bad connection is closed and logged. */
  async serveConn(conn: Socket): Promise<void> {
    if (this.#closing) {
      conn.destroy();
      return;
    }
    this.#conns.add(conn);
    conn.once('close', () => this.#conns.delete(conn));
    // Socket errors reach us through the reader; without a listener, an 'error' event
    // that arrives after reading has stopped would crash the process.
    conn.on('error', () => {});
    conn.setNoDelay(true); // we coalesce writes ourselves; Nagle would only add delay
    // A client may end its side once it has sent its last request, and still wait for
    // the replies (half-close). By default Node would end ours at once, losing them.
    conn.allowHalfOpen = true;
    const reader = new FrameReader(conn, {
      maxFrameSize: this.#maxFrameSize,
      budget: this.#budget,
    });
    try {
      const accepted = await this.#readOption(conn, reader);
      if (accepted === undefined) conn.destroy();
      else await this.#serveCodec(conn, ...accepted);
    } catch (err) {
      if (!this.#closing) this.#log(`rpc server: closing connection: ${describe(err)}`);
      conn.destroy();
    }
  }

  /** Stops accepting, closes every connection, and resolves when all are gone. */
  async close(): Promise<void> {
    this.#closing = true;
    const closing = [...this.#listeners].map(
      (listener) => new Promise<void>((resolve) => listener.close(() => resolve())),
    );
    // An HTTP server's close() waits for requests in progress: one that a client never
    // finishes sending would hold ours forever. End them all (Node 18.2+).
    for (const listener of this.#listeners)
      (listener as Partial<HttpServer>).closeAllConnections?.();
    this.#listeners.clear();
    for (const conn of this.#conns) conn.destroy();
    await Promise.all([...closing, ...[...this.#conns].map(whenClosed)]);
  }

  // What the debug page shows: services and methods by name, with live counts.
  #debugInfo(): DebugInfo {
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    const services = [...this.#serviceMap.values()].map((svc) => ({
      name: svc.name,
      methods: [...svc.methods.values()]
        .map((m) => ({ name: m.name, calls: m.numCalls }))
        .sort(byName),
    }));
    return {
      services: services.sort(byName),
      connections: this.#conns.size,
      inFlight: this.#inFlight,
      errors: this.#errors,
      uptimeMs: Date.now() - this.#startedAt,
    };
  }

  // The handshake: read the option, answer it, and pick the codec it names.
  // Returns undefined when the connection must not go on.
  async #readOption(conn: Socket, reader: FrameReader): Promise<[Codec, Option] | undefined> {
    const frame = await this.#readOptionFrame(conn, reader);
    if (frame === null) return undefined; // the client left before saying anything
    const option = checkOption(frame);
    if (typeof option === 'string') {
      this.#log(`rpc server: ${option}`);
      conn.end(optionReply(option)); // the client learns why, then the connection closes
      // Drop whatever the client pipelined behind the option until it hangs up. Closing
      // with unread bytes would send a reset, which can destroy the reply in flight; and
      // a socket nobody reads from never notices that its peer has gone. But only for a
      // moment: a client that keeps sending would otherwise be drained forever.
      const linger = setTimeout(() => conn.destroy(), REFUSAL_LINGER_MS).unref();
      try {
        while ((await reader.read()) !== null) {
          // dropped
        }
      } finally {
        clearTimeout(linger);
      }
      return undefined;
    }
    conn.write(optionReply(''));
    return [newCodecFuncMap[option.codecType](conn, reader), option];
  }

  // The option frame, within handshakeTimeout. Without a limit, a client that connects
  // and sends one byte (or none) holds its connection, and its memory, forever: 500
  // such sockets were all still open after a minute against day 3.
  async #readOptionFrame(conn: Socket, reader: FrameReader): Promise<Buffer | null> {
    const ms = this.#handshakeTimeout;
    const timer =
      ms > 0
        ? setTimeout(
            () => conn.destroy(new Error(`handshake timeout: no option within ${ms} ms`)),
            ms,
          ).unref()
        : undefined;
    try {
      return await reader.read(); // rejects with the error above if the timer fires
    } finally {
      clearTimeout(timer);
    }
  }

  // Reads requests until the client leaves, handling each one concurrently.
  async #serveCodec(conn: Socket, codec: Codec, option: Option): Promise<void> {
    const handlers = new Handlers();
    const room = () =>
      handlers.count < this.#maxInFlight && handlers.bytes < this.#maxInFlightBytes;
    const calls = this.#connCalls(conn, option);
    for (;;) {
      // Backpressure: while the client leaves too many replies unread, read none of its
      // requests. Our reader then pauses the socket, TCP's window fills, and the client's
      // own writes wait. Without this, a client that never reads would make us queue
      // every reply it asks for, without bound.
      if (codec.writableLength > this.#maxUnsentBytes) await codec.drained();
      // The same for requests still being handled: each holds its argument now, and
      // its reply soon. A client that sends faster than its handlers finish waits.
      if (!room()) await handlers.until(room);
      const before = codec.bytesRead;
      const req = await this.#readRequest(codec);
      if (req === null) break;
      const bytes = codec.bytesRead - before;
      // Not awaited, so the next request is read at once. It never rejects (every
      // failure becomes an error response); the log is a last line of defence.
      handlers.started(bytes);
      this.#handleRequest(codec, req, calls).then(
        () => handlers.finished(bytes),
        (err) => {
          this.#log(`rpc server: ${describe(err)}`);
          handlers.finished(bytes);
        },
      );
    }
    // The client has sent its last request. As GeeRPC's WaitGroup does, let the
    // handlers still running send their replies, let the replies leave, then close.
    // But not forever: a client that has gone looks the same as one that only ended its
    // side, and a handler that never finishes must not hold its socket open.
    await this.#finishWithin(this.#closeTimeout, async () => {
      await handlers.until(() => handlers.count === 0);
      await codec.drained();
    });
    await codec.close();
  }

  // What the handlers of this connection share. Its signal fires when the connection
  // closes (not when the client ends its side: it may still be waiting for replies), so
  // that handlers working for a client that has gone can stop.
  #connCalls(conn: Socket, option: Option): ConnCalls {
    const calls: ConnCalls = {
      timeout: capped(option.handleTimeout, this.#maxHandleTimeout),
      closed: new LazyContext(() => {}),
      timed: new Set(),
    };
    conn.once('close', () => {
      const reason = new Error('rpc server: connection closed');
      calls.closed.abort(reason);
      for (const ctx of calls.timed) ctx.abort(reason);
    });
    return calls;
  }

  // Runs `work`, giving up on it after `ms`. The timer is cleared however it ends.
  async #finishWithin(ms: number, work: () => Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms).unref();
    });
    try {
      await Promise.race([work(), timeUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  // One request is two frames, header then body. Null when the client closed between requests.
  // The body is read even when the method does not exist: the next frame must be a header.
  async #readRequest(codec: Codec): Promise<Request | null> {
    const h = await codec.readHeader();
    if (h === null) return null;
    const { argv, error } = await readArgs(codec);
    if (error !== undefined) return { h, argv, error };
    const found = this.#findService(h.serviceMethod);
    return typeof found === 'string' ? { h, argv, error: found } : { h, argv, ...found };
  }

  // "Foo.sum" -> the Foo service and its sum method, or the reason they cannot be found.
  #findService(serviceMethod: string): { svc: Service; mtype: MethodType } | string {
    const dot = serviceMethod.lastIndexOf('.');
    if (dot <= 0 || dot === serviceMethod.length - 1) {
      return `rpc server: service/method request ill-formed: ${quote(serviceMethod)}`;
    }
    const serviceName = serviceMethod.slice(0, dot);
    const methodName = serviceMethod.slice(dot + 1);
    const svc = this.#serviceMap.get(serviceName);
    if (svc === undefined) return `rpc server: can't find service ${quote(serviceName)}`;
    const mtype = svc.methods.get(methodName);
    if (mtype === undefined) return `rpc server: can't find method ${quote(serviceMethod)}`;
    return { svc, mtype };
  }

  // Calls the method and sends its reply, or its error: a method that throws or rejects
  // costs that one request an error response, never the connection or the process.
  async #handleRequest(codec: Codec, req: Request, calls: ConnCalls): Promise<void> {
    if ('error' in req) {
      this.#sendResponse(codec, req.h, null, req.error);
      return;
    }
    let reply: unknown;
    this.#inFlight++;
    try {
      reply = await (calls.timeout > 0
        ? callWithTimeout(req.svc, req.mtype, req.argv, calls)
        : req.svc.call(req.mtype, req.argv, calls.closed));
    } catch (err) {
      this.#sendResponse(codec, req.h, null, describe(err) || 'rpc server: method failed');
      return;
    } finally {
      this.#inFlight--;
    }
    this.#sendResponse(codec, req.h, reply);
  }

  // Exactly one response per request: a reply that cannot be encoded (a BigInt in JSON,
  // say) becomes an error response instead of no response at all.
  #sendResponse(codec: Codec, req: Header, body: unknown, error = ''): void {
    const h: Header = { serviceMethod: req.serviceMethod, seq: req.seq, error };
    try {
      codec.write(h, error === '' ? body : null);
    } catch (err) {
      h.error = `rpc server: cannot encode reply: ${describe(err)}`;
      codec.write(h, null);
    }
    if (h.error !== '') this.#errors++;
  }
}

// Calls the method, racing it against a timer. Whichever settles first decides the one
// response; the loser is ignored (a late reply is never sent). The handler's signal
// fires on the timeout, so it can stop its work: Go's original cannot tell it to, and
// leaks a goroutine per timed-out request. The timer is cleared however the race ends.
async function callWithTimeout(
  svc: Service,
  mtype: MethodType,
  argv: unknown,
  calls: ConnCalls,
): Promise<unknown> {
  const ms = calls.timeout;
  let ctx!: LazyContext;
  let timer: NodeJS.Timeout | undefined;
  // Settles when the context is aborted: by the timer, or by the connection's close.
  const aborted = new Promise<never>((_, reject) => {
    ctx = new LazyContext(reject);
    timer = setTimeout(() => {
      ctx.abort(new Error(`rpc server: request handle timeout: expect within ${ms} ms`));
    }, ms).unref();
  });
  calls.timed.add(ctx); // so that the connection's close aborts it too
  try {
    return await Promise.race([svc.call(mtype, argv, ctx), aborted]);
  } finally {
    clearTimeout(timer);
    calls.timed.delete(ctx);
  }
}

/** The longest timeout a timer can keep: setTimeout turns anything longer into 1 ms. */
export const MAX_TIMEOUT = 2 ** 31 - 1;

/** A timeout in ms that a timer can honour, 0 (no limit) included. */
export function isTimeout(ms: unknown): ms is number {
  return typeof ms === 'number' && ms >= 0 && ms <= MAX_TIMEOUT;
}

// The handle timeout of a connection: what its client asked for, but never more than the
// server's cap. 0 means no limit, on either side.
function capped(asked: number, cap: number): number {
  if (cap <= 0) return asked;
  return asked > 0 ? Math.min(asked, cap) : cap;
}

// The handlers of one connection that have not finished yet, and the bytes of their
// requests. The read loop waits on it when there are too many, and for all of them
// before it closes the connection.
class Handlers {
  count = 0;
  bytes = 0;
  #wake: (() => void) | undefined;

  started(bytes: number): void {
    this.count++;
    this.bytes += bytes;
  }

  finished(bytes: number): void {
    this.count--;
    this.bytes -= bytes;
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Resolves once `ready()` is true, checking again each time a handler finishes. */
  async until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }
}

// The body of a request. One that arrived whole but does not decode costs its request
// an error response, not the connection: the next frame is still a header.
async function readArgs(codec: Codec): Promise<{ argv: unknown; error?: string }> {
  try {
    return { argv: await codec.readBody() };
  } catch (err) {
    if (!(err instanceof CodecError)) throw err;
    return { argv: null, error: `rpc server: cannot decode args: ${describe(err)}` };
  }
}

// Validates the option frame. Returns the option, or the reason it is refused.
function checkOption(frame: Buffer): Option | string {
  // An option is a few dozen bytes: parse no more than a little, whatever maxFrameSize is.
  if (frame.length > 1024) return `malformed option: ${frame.length} bytes, want at most 1024`;
  let option: unknown;
  try {
    option = JSON.parse(frame.toString('utf8'));
  } catch (err) {
    return `malformed option: ${describe(err)}`;
  }
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    return 'malformed option: not a JSON object';
  }
  const { magicNumber, codecType } = option as Record<string, unknown>;
  if (magicNumber !== MAGIC_NUMBER) {
    const got = Number.isSafeInteger(magicNumber)
      ? `0x${(magicNumber as number).toString(16)}`
      : quote(String(JSON.stringify(magicNumber)));
    return `invalid magic number ${got}`;
  }
  if (typeof codecType !== 'string' || !Object.hasOwn(encodings, codecType)) {
    return `unsupported codec ${quote(describe(codecType))}`;
  }
  const { handleTimeout = 0 } = option as Record<string, unknown>;
  if (!isTimeout(handleTimeout)) {
    return `malformed option: handleTimeout must be a number of ms from 0 to ${MAX_TIMEOUT}, got ${quote(typeof handleTimeout === 'string' ? JSON.stringify(handleTimeout) : describe(handleTimeout))}`;
  }
  // connectTimeout is the client's own business: the server neither needs nor checks it.
  return { ...DEFAULT_OPTION, magicNumber, codecType: codecType as CodecType, handleTimeout };
}

// The path of a request's target: `/debug/geerpc?x=1` and the absolute form
// `http://host/debug/geerpc` (which HTTP/1.1 servers must accept) are both the page.
function pathOf(req: IncomingMessage): string {
  try {
    return new URL(req.url ?? '', 'http://localhost').pathname;
  } catch {
    return ''; // no path at all: matches nothing, so a 404
  }
}

// Answers a CONNECT that we will not serve, and lets its socket go. Node has removed its
// own 'error' listener by now: without ours, a client's reset would crash the process.
// Reading on (and dropping) lets the client's FIN arrive even after it sent 64 KiB more;
// a client that never closes its side gets REFUSAL_LINGER_MS, as a refused option does.
function refuseConnect(conn: Socket, status: string): void {
  conn.on('error', () => {});
  conn.end(`HTTP/1.0 ${status}\r\n\r\n`);
  conn.resume();
  const linger = setTimeout(() => conn.destroy(), REFUSAL_LINGER_MS).unref();
  conn.once('close', () => clearTimeout(linger));
}

function sendText(res: ServerResponse, status: number, text: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

function optionReply(error: string): Buffer {
  const reply: OptionReply = { error };
  return encodeFrames(Buffer.from(JSON.stringify(reply)));
}

// The text of whatever was thrown. It must never throw itself, whatever it is given
// (an object without a prototype, a toString that throws): a request whose handler
// threw would otherwise get no response at all.
function describe(err: unknown): string {
  try {
    return String(err instanceof Error ? err.message : err);
  } catch {
    return 'a value that cannot be shown as text';
  }
}

// A name from the client, as error texts quote it: at most 100 characters, so that a
// megabyte-long method name does not come back doubled in the reply.
function quote(name: string): string {
  return name.length > 100 ? `${name.slice(0, 100)}... (${name.length} characters)` : name;
}

/** The server that `accept()` serves with, as GeeRPC's DefaultServer. */
export const defaultServer = new Server();

export function accept(listener: NetServer): void {
  defaultServer.accept(listener);
}

export function register(receiver: object): void {
  defaultServer.register(receiver);
}

export function handleHTTP(httpServer: HttpServer, rpcPath?: string, debugPath?: string): void {
  defaultServer.handleHTTP(httpServer, rpcPath, debugPath);
}
