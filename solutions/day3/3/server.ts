/**
 * The server: accepts connections, agrees on a codec with each, then reads requests
 * in a loop and answers each as soon as it is ready. Mirrors GeeRPC's server.go.
 * Added on day 1; day 3 replaced the canned reply with registered services.
 */
import type { Server as NetServer, Socket } from 'node:net';
import { type Codec, CodecError, encodings, type Header, newCodecFuncMap } from './codec/codec.ts';
import { FrameReader, whenClosed } from './codec/frame.ts';
import { ByteBudget } from './guard/byte-budget.ts';
import { limitConnections } from './guard/connections.ts';
import { within } from './guard/deadline.ts';
import { InFlight } from './guard/in-flight.ts';
import { lingerAfterRefusal } from './guard/linger.ts';
import { safeLog } from './guard/log.ts';
import { type ServerLimits, type ServerOptions, serverLimits } from './guard/server-options.ts';
import { clip, messageOf } from './guard/text.ts';
import { TimeSlice } from './guard/time-slice.ts';
import { countUnsentReplies } from './guard/unsent-replies.ts';
import { encodeJsonFrame, MAGIC_NUMBER, MAX_OPTION_BYTES, type Option } from './protocol.ts';
import { type MethodType, Service } from './service.ts';

export { DEFAULT_OPTION, MAGIC_NUMBER, type Option, type OptionReply } from './protocol.ts';
export type { ServerOptions };

// The method a request names, found in a registered service.
type Found = { svc: Service; mtype: MethodType };
// A request as read: its header, its argument, and the method to call or why there is none.
type Request = { h: Header; argv: unknown } & (Found | { error: string });

export class Server {
  readonly #limits: ServerLimits;
  readonly #budget: ByteBudget; // shared by every connection's reader
  readonly #handling: InFlight; // the requests of every connection being handled
  readonly #log: (message: string) => void;
  readonly #listeners = new Set<NetServer>();
  readonly #conns = new Set<Socket>(); // what close() must reach
  readonly #serviceMap = new Map<string, Service>();
  #closing = false;

  constructor(options: ServerOptions = {}) {
    this.#limits = serverLimits(options);
    this.#budget = new ByteBudget(this.#limits.maxBufferedBytes);
    this.#handling = new InFlight(Number.POSITIVE_INFINITY, this.#limits.maxServerInFlightBytes);
    this.#log = safeLog(options.log);
  }

  /**
   * Publishes the receiver's public methods as "ClassName.method", or "name.method" when a
   * name is given (Go's RegisterName). Throws for a name taken.
   */
  register(receiver: object, name?: string): void {
    const service = new Service(receiver, name);
    if (this.#serviceMap.has(service.name)) {
      throw new Error(`rpc server: service already defined: ${service.name}`);
    }
    this.#serviceMap.set(service.name, service);
  }

  /** Serves every connection the listener accepts, until `close()`. */
  accept(listener: NetServer): void {
    limitConnections(listener, this.#limits.maxConnections);
    this.#listeners.add(listener);
    listener.on('connection', (conn: Socket) => void this.serveConn(conn));
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
      const codec = await this.#readOption(conn, reader);
      if (codec === undefined) conn.destroy();
      else await this.#serveCodec(conn, codec);
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
    this.#listeners.clear();
    for (const conn of this.#conns) conn.destroy();
    await Promise.all([...closing, ...[...this.#conns].map(whenClosed)]);
  }

  // The handshake: read the option, answer it, and pick the codec it names.
  // Returns undefined when the connection must not go on.
  async #readOption(conn: Socket, reader: FrameReader): Promise<Codec | undefined> {
    const frame = await reader.read();
    if (frame === null) return undefined; // the client left before saying anything
    const option = checkOption(frame);
    if (typeof option === 'string') {
      this.#log(`rpc server: ${option}`);
      conn.end(encodeJsonFrame({ error: option })); // the client learns why
      await lingerAfterRefusal(conn, reader);
      return undefined;
    }
    conn.write(encodeJsonFrame({ error: '' }));
    return newCodecFuncMap[option.codecType](conn, reader);
  }

  // Reads requests until the client leaves, handling each one concurrently.
  async #serveCodec(conn: Socket, codec: Codec): Promise<void> {
    const { maxInFlight, maxInFlightBytes, maxUnsentBytes, closeTimeout } = this.#limits;
    const inFlight = new InFlight(maxInFlight, maxInFlightBytes, this.#handling);
    countUnsentReplies(conn, inFlight);
    const slice = new TimeSlice();
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
      const handling = this.#handleRequest(codec, req).catch((err) =>
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
    const found = this.#findService(h.serviceMethod);
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
  async #handleRequest(codec: Codec, req: Request): Promise<void> {
    if ('error' in req) return this.#sendResponse(codec, req.h, null, req.error);
    let reply: unknown;
    try {
      reply = await req.svc.call(req.mtype, req.argv);
    } catch (err) {
      // An empty message must not read as success: error '' is how a response says so.
      return this.#sendResponse(codec, req.h, null, messageOf(err) || 'rpc server: method failed');
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
      codec.write({ ...h, error: `rpc server: cannot encode reply: ${messageOf(err)}` }, null);
    }
  }
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
  return option as unknown as Option;
}

/** The server that `accept()` serves with, as GeeRPC's DefaultServer. */
export const defaultServer = new Server();

export function accept(listener: NetServer): void {
  defaultServer.accept(listener);
}

export function register(receiver: object, name?: string): void {
  defaultServer.register(receiver, name);
}
