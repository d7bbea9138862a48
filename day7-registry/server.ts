/**
 * The server: accepts connections, agrees on a codec with each, then reads requests
 * in a loop and answers each as soon as it is ready. Mirrors GeeRPC's server.go.
 * Added on day 1; day 3 replaced the canned reply with registered services; day 4
 * bounded each handler in time, the handshake and (if asked) idleness; day 5 serves it
 * over HTTP, and TLS; day 7 added a graceful shutdown.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as NetServer, Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { type Codec, CodecError, encodings, type Header, newCodecFuncMap } from './codec/codec.ts';
import { FrameReader, whenClosed } from './codec/frame.ts';
import { LazyContext } from './context.ts';
import { type DebugInfo, serveDebugPage } from './debug.ts';
import { ByteBudget } from './guard/byte-budget.ts';
import { refuseConnect } from './guard/connect-refusal.ts';
import { limitConnections } from './guard/connections.ts';
import { within } from './guard/deadline.ts';
import { readOptionFrame } from './guard/handshake-timeout.ts';
import { Handshakes } from './guard/handshakes.ts';
import { claimHttpServer } from './guard/http-server.ts';
import { closeWhenIdle } from './guard/idle-timeout.ts';
import { InFlight } from './guard/in-flight.ts';
import { lingerAfterRefusal } from './guard/linger.ts';
import { safeLog } from './guard/log.ts';
import { type ServerLimits, type ServerOptions, serverLimits } from './guard/server-options.ts';
import { clip, messageOf } from './guard/text.ts';
import { TimeSlice } from './guard/time-slice.ts';
import { capTimeout, isTimeout, notATimeout } from './guard/timeout.ts';
import { countUnsentReplies } from './guard/unsent-replies.ts';
import {
  CONNECTED,
  DEFAULT_DEBUG_PATH,
  DEFAULT_RPC_PATH,
  encodeJsonFrame,
  MAGIC_NUMBER,
  MAX_OPTION_BYTES,
  type Option,
} from './protocol.ts';
import { type MethodType, Service } from './service.ts';

export {
  CONNECTED,
  DEFAULT_DEBUG_PATH,
  DEFAULT_OPTION,
  DEFAULT_RPC_PATH,
  MAGIC_NUMBER,
  type Option,
  type OptionReply,
} from './protocol.ts';
export type { ServerOptions };

// The method a request names, found in a registered service.
type Found = { svc: Service; mtype: MethodType };
// A request as read: its header, its argument, and the method to call or why there is none.
type Request = { h: Header; argv: unknown } & (Found | { error: string });

/** What `shutdown` takes (day 7). */
export interface ShutdownOptions {
  /** How long calls in flight may take to reply, in ms (default: `closeTimeout`, 10 s). */
  timeout?: number;
  /** What keeps the server listed, to stop first: a heartbeat, or an etcd registration. */
  leave?: { stop(): Promise<void> };
}

// What the handlers of one connection share: its handle timeout, a context whose signal
// fires when the connection closes, and the contexts of the calls running under a
// timeout, which must fire then too.
interface ConnCalls {
  timeout: number;
  closed: LazyContext;
  timed: Set<LazyContext>;
}

export class Server {
  readonly #limits: ServerLimits;
  readonly #budget: ByteBudget; // shared by every connection's reader
  readonly #handling: InFlight; // the requests of every connection being handled
  readonly #log: (message: string) => void;
  readonly #listeners = new Set<NetServer>();
  readonly #conns = new Set<Socket>(); // what close() must reach
  readonly #handshakes = new Handshakes(); // TLS connections not yet secure: close() ends them too
  readonly #serviceMap = new Map<string, Service>();
  readonly #startedAt = Date.now();
  #inFlight = 0; // requests of all connections being handled now, for the debug page
  #errors = 0; // error responses sent, for the debug page
  #closing = false;

  constructor(options: ServerOptions = {}) {
    this.#limits = serverLimits(options);
    this.#budget = new ByteBudget(this.#limits.maxBufferedBytes);
    this.#handling = new InFlight(Number.POSITIVE_INFINITY, this.#limits.maxServerInFlightBytes);
    this.#log = safeLog(options.log);
  }

  /** Publishes the receiver's public methods as "ClassName.method". Throws for a name taken. */
  register(receiver: object): void {
    const service = new Service(receiver);
    if (this.#serviceMap.has(service.name)) {
      throw new Error(`rpc server: service already defined: ${service.name}`);
    }
    this.#serviceMap.set(service.name, service);
  }

  /** Serves every connection the listener accepts, until `close()`. */
  accept(listener: NetServer): void {
    limitConnections(listener, this.#limits.maxConnections);
    this.#listeners.add(listener);
    this.#handshakes.watch(listener);
    // Day 5: a TLS listener's 'connection' is the raw TCP under the TLS; the socket that
    // speaks plain bytes comes on 'secureConnection', once the TLS handshake is done.
    const ready = listener instanceof TlsServer ? 'secureConnection' : 'connection';
    listener.on(ready, (conn: Socket) => void this.serveConn(conn));
  }

  /**
   * Serves GeeRPC on an HTTP server too: a CONNECT to `rpcPath` turns that connection
   * into a GeeRPC one, and a GET of `debugPath` shows the debug page. GeeRPC registers
   * on Go's global ServeMux, so two servers in one process collide; this wires only the
   * HTTP server it is given, and answers all of its requests (404 for other paths).
   */
  handleHTTP(httpServer: HttpServer, rpcPath = DEFAULT_RPC_PATH, debugPath = DEFAULT_DEBUG_PATH) {
    claimHttpServer(httpServer, this.#limits.handshakeTimeout);
    limitConnections(httpServer, this.#limits.maxConnections);
    this.#listeners.add(httpServer); // close() closes it, as it closes accept()'s listeners
    httpServer.on('connect', (req: IncomingMessage, conn: Socket, head: Buffer) => {
      if (this.#closing) return refuseConnect(conn, 503);
      if (pathOf(req) !== rpcPath) return refuseConnect(conn, 404);
      // Go's handler hijacks the connection from net/http; Node's HTTP parser lets go of
      // it after 'connect' by itself. The status line ends in CRLF, as HTTP says (GeeRPC's
      // bare "\n" is refused by Node's client). `head` holds what the client sent right
      // behind its CONNECT, which Node read along with it: it goes back in the stream.
      conn.setTimeout(0); // from here on, GeeRPC's own limits apply, not HTTP's idle timeout
      conn.write(`HTTP/1.0 ${CONNECTED}\r\n\r\n`);
      if (head.length > 0) conn.unshift(head);
      void this.serveConn(conn);
    });
    httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const path = pathOf(req);
      const reads = req.method === 'GET' || req.method === 'HEAD';
      if (path === rpcPath) sendText(res, 405, '405 must CONNECT', { allow: 'CONNECT' });
      else if (path !== debugPath) sendText(res, 404, '404 page not found');
      else if (!reads) sendText(res, 405, '405 method not allowed', { allow: 'GET, HEAD' });
      else serveDebugPage(res, this.#debugInfo());
    });
  }

  /** Serves one connection until it ends. Never rejects: a bad connection is closed and logged. */
  async serveConn(conn: Socket): Promise<void> {
    if (this.#closing) return void conn.destroy();
    this.#conns.add(conn);
    conn.once('close', () => this.#conns.delete(conn));
    conn.on('error', () => {}); // errors reach us through the reader
    conn.setNoDelay(true); // we coalesce writes ourselves (codec.ts); Nagle would only delay
    conn.allowHalfOpen = true; // a client that ends its side still gets its replies
    const { maxFrameSize } = this.#limits;
    const reader = new FrameReader(conn, { maxFrameSize, budget: this.#budget });
    try {
      const accepted = await this.#readOption(conn, reader);
      if (accepted === undefined) conn.destroy();
      else await this.#serveCodec(conn, ...accepted);
    } catch (err) {
      if (!this.#closing) this.#log(`rpc server: closing connection: ${messageOf(err)}`);
      conn.destroy();
    }
  }

  /** Stops accepting, closes every connection, and resolves when all are gone. */
  async close(): Promise<void> {
    this.#closing = true;
    const closing = [...this.#listeners].map(
      (listener) => new Promise<void>((resolve) => listener.close(() => resolve())),
    );
    // An HTTP server's close() waits for its requests in progress, even one that a client
    // never finishes sending: end them all.
    for (const listener of this.#listeners)
      (listener as Partial<HttpServer>).closeAllConnections?.();
    this.#listeners.clear();
    for (const conn of this.#conns) conn.destroy();
    this.#handshakes.destroyAll();
    await Promise.all([...closing, ...[...this.#conns].map(whenClosed)]);
  }

  /**
   * Day 7: leaves without losing a call. Stops accepting, leaves the registry, and lets
   * the calls in flight reply within `timeout`; a request read meanwhile gets an error
   * response. Then each connection is ended (its replies leave first), and what is left
   * after `timeout` (a handler that never finishes, a client that never closes) is closed.
   */
  async shutdown({ timeout = this.#limits.closeTimeout, leave }: ShutdownOptions = {}) {
    this.#closing = true; // no new connection; every request read from now on is refused
    for (const listener of this.#listeners) listener.close(); // close() waits for them
    const ended = this.#handling
      .idle()
      .then(() => Promise.all([...this.#conns].map((conn) => whenClosed(conn.end()))));
    try {
      await within(timeout, Promise.all([leave?.stop(), ended])); // a registry may not answer
    } finally {
      await this.close(); // a `leave` that throws still closes the server
    }
  }

  // What the debug page shows: the services, and live counts.
  #debugInfo(): DebugInfo {
    return {
      services: this.#serviceMap.values(),
      connections: this.#conns.size,
      inFlight: this.#inFlight,
      errors: this.#errors,
      uptimeMs: Date.now() - this.#startedAt,
    };
  }

  // The handshake: read the option, answer it, and pick the codec it names.
  // Returns undefined when the connection must not go on.
  async #readOption(conn: Socket, reader: FrameReader): Promise<[Codec, Option] | undefined> {
    const frame = await readOptionFrame(conn, reader, this.#limits.handshakeTimeout);
    if (frame === null) return undefined; // the client left before saying anything
    const option = checkOption(frame);
    if (typeof option === 'string') {
      this.#log(`rpc server: ${option}`);
      conn.end(encodeJsonFrame({ error: option })); // the client learns why
      await lingerAfterRefusal(conn, reader);
      return undefined;
    }
    conn.write(encodeJsonFrame({ error: '' }));
    return [newCodecFuncMap[option.codecType](conn, reader), option];
  }

  // Reads requests until the client leaves, handling each one concurrently.
  async #serveCodec(conn: Socket, codec: Codec, option: Option): Promise<void> {
    const { maxInFlight, maxInFlightBytes, maxUnsentBytes, closeTimeout } = this.#limits;
    const inFlight = new InFlight(maxInFlight, maxInFlightBytes, this.#handling);
    countUnsentReplies(conn, inFlight);
    const slice = new TimeSlice();
    const calls = this.#connCalls(conn, option);
    closeWhenIdle(conn, this.#limits.idleTimeout, inFlight);
    for (;;) {
      // Backpressure: while the client leaves replies unread, or handlers hold too much,
      // read none of its requests. TCP's window fills and the client's writes wait.
      if (codec.writableLength > maxUnsentBytes) await codec.drained();
      if (inFlight.full) await inFlight.room();
      if (slice.spent) await slice.yield(); // other clients' turn after a burst of requests
      const before = codec.bytesRead;
      // A request already here whole is read at once, without a promise (chapter 1's sidebar).
      let req = this.#tryReadRequest(codec) ?? (await this.#readRequest(codec));
      if (req === null) break;
      // Not awaited, so the next request is read at once (GeeRPC's `go server.handleRequest`).
      const handling = this.#handleRequest(codec, req, calls).catch((err) =>
        this.#log(`rpc server: ${messageOf(err)}`),
      );
      inFlight.add(codec.bytesRead - before, handling);
      req = null; // or the loop would hold it while it waits for the next request
    }
    // As GeeRPC's wg.Wait(): let running handlers reply and the replies leave, then close.
    const finished = inFlight.idle().then(() => codec.drained());
    await within(closeTimeout, finished);
    await codec.close();
  }

  // What the handlers of this connection share. Its signal fires when the connection
  // closes (not when the client ends its side: it may still be waiting for replies), so
  // that handlers working for a client that has gone can stop.
  #connCalls(conn: Socket, option: Option): ConnCalls {
    const timeout = capTimeout(option.handleTimeout, this.#limits.maxHandleTimeout);
    const calls: ConnCalls = { timeout, closed: new LazyContext(), timed: new Set() };
    conn.once('close', () => {
      const reason = new Error('rpc server: connection closed');
      calls.closed.abort(reason);
      for (const ctx of calls.timed) ctx.abort(reason);
    });
    return calls;
  }

  // One request is two frames, header then body. Null when the client closed between requests.
  async #readRequest(codec: Codec): Promise<Request | null> {
    const h = await codec.readHeader();
    if (h === null) return null;
    try {
      // Read even when there is no such method: the next frame is a header.
      return this.#request(h, await codec.readBody());
    } catch (err) {
      if (!(err instanceof CodecError)) throw err;
      return this.#request(h, null, err);
    }
  }

  // The same request, when both its frames are here already; undefined when they are not.
  #tryReadRequest(codec: Codec): Request | undefined {
    const msg = codec.tryRead();
    return msg && this.#request(msg.h, msg.body, msg.error);
  }

  // A body that arrived whole but does not decode costs its request, not the connection.
  #request(h: Header, argv: unknown, err?: CodecError): Request {
    if (err !== undefined) {
      return { h, argv: null, error: `rpc server: cannot decode args: ${messageOf(err)}` };
    }
    const found = this.#closing ? SHUTTING_DOWN : this.#findService(h.serviceMethod);
    return typeof found === 'string' ? { h, argv, error: found } : { h, argv, ...found };
  }

  // "Foo.sum" -> the Foo service and its sum method, or the reason they cannot be found.
  #findService(serviceMethod: string): Found | string {
    const dot = serviceMethod.lastIndexOf('.');
    if (dot <= 0 || dot === serviceMethod.length - 1) {
      return `rpc server: service/method request ill-formed: ${clip(serviceMethod)}`;
    }
    const serviceName = serviceMethod.slice(0, dot);
    const svc = this.#serviceMap.get(serviceName);
    if (svc === undefined) return `rpc server: can't find service ${clip(serviceName)}`;
    const mtype = svc.methods.get(serviceMethod.slice(dot + 1));
    if (mtype === undefined) return `rpc server: can't find method ${clip(serviceMethod)}`;
    return { svc, mtype };
  }

  // Calls the method and sends its reply or its error: a method that throws or rejects
  // costs its request an error response, never the connection.
  async #handleRequest(codec: Codec, req: Request, calls: ConnCalls): Promise<void> {
    if ('error' in req) return this.#sendResponse(codec, req.h, null, req.error);
    let reply: unknown;
    this.#inFlight++;
    try {
      reply = await (calls.timeout > 0
        ? callWithTimeout(req, calls)
        : req.svc.call(req.mtype, req.argv, calls.closed));
    } catch (err) {
      // An empty message must not read as success: error '' is how a response says so.
      return this.#sendResponse(codec, req.h, null, messageOf(err) || 'rpc server: method failed');
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
      codec.write(h, error === '' ? body : null, this.#limits.maxFrameSize);
    } catch (err) {
      h.error = `rpc server: cannot encode reply: ${messageOf(err)}`;
      codec.write(h, null);
    }
    if (h.error !== '') this.#errors++;
  }
}

/** The error of a request read after `shutdown()` began (day 7): the client may try elsewhere. */
export const SHUTTING_DOWN = 'rpc server: shutting down: request refused, try another server';

// Calls the method, racing it against the handle timeout: whichever settles first decides
// the one response, and a late reply is never sent. The handler's signal fires on the
// timeout, so that it can stop (Go's original cannot tell it to, and leaks a goroutine
// per timed-out request).
async function callWithTimeout(req: Found & { argv: unknown }, calls: ConnCalls): Promise<unknown> {
  const ms = calls.timeout;
  let onAbort!: (reason: unknown) => void;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = reject;
  });
  const ctx = new LazyContext(onAbort); // aborted by the timer, or by the connection's close
  const timeUp = () =>
    ctx.abort(new Error(`rpc server: request handle timeout: expect within ${ms} ms`));
  const timer = setTimeout(timeUp, ms).unref();
  calls.timed.add(ctx);
  try {
    return await Promise.race([req.svc.call(req.mtype, req.argv, ctx), aborted]);
  } finally {
    clearTimeout(timer); // once the call is over, its signal must never fire
    calls.timed.delete(ctx);
  }
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

function sendText(res: ServerResponse, status: number, text: string, headers = {}): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(`${text}\n`);
}

// GeeRPC's three checks (the option decodes, the magic number is ours, the codec is known),
// after two that a stranger's bytes need: a bound on their size, and an object to read.
// Returns the option, or the reason it is refused.
function checkOption(frame: Buffer): Option | string {
  if (frame.length > MAX_OPTION_BYTES) {
    return `malformed option: ${frame.length} bytes, want at most ${MAX_OPTION_BYTES}`;
  }
  let option: Record<string, unknown>;
  try {
    option = JSON.parse(frame.toString('utf8'));
  } catch (err) {
    return `malformed option: ${messageOf(err)}`;
  }
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    return 'malformed option: not a JSON object';
  }
  const { magicNumber: magic, codecType } = option;
  if (magic !== MAGIC_NUMBER) {
    const hex = `0x${Number(magic).toString(16)}`;
    return `invalid magic number ${clip(Number.isSafeInteger(magic) ? hex : String(JSON.stringify(magic)))}`;
  }
  if (typeof codecType !== 'string' || !Object.hasOwn(encodings, codecType)) {
    return `unsupported codec ${clip(messageOf(codecType))}`;
  }
  const { handleTimeout = 0 } = option;
  if (!isTimeout(handleTimeout)) {
    return `malformed option: ${notATimeout('handleTimeout', handleTimeout)}`;
  }
  // connectTimeout is the client's own business: the server neither needs nor checks it.
  return { ...(option as unknown as Option), handleTimeout };
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
