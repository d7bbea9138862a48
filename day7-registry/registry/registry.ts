/**
 * The registry: where servers say "I am alive" and clients ask "who is?". A server
 * POSTs its address every so often (a heartbeat); a client GETs the list of those heard
 * from recently. Mirrors GeeRPC's registry/registry.go. Added on day 7.
 */
import {
  type Server as HttpServer,
  type IncomingMessage,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';

export const DEFAULT_PATH = '/_geerpc_/registry';
/** How long a server stays listed after its last heartbeat, in ms (5 minutes). */
export const DEFAULT_TIMEOUT = 5 * 60_000;
/** After a failed request to the registry, how long before the next try, in ms. */
export const RETRY_MS = 1_000;

/**
 * The most bytes the list of servers may take. It travels in one response header, and a
 * header is read whole: fetch() refuses one over 16 KiB, and a 2 MB list answered to
 * every pipelined GET ran a registry out of memory (an attacker's walkthrough). A new
 * server that would take the list past it gets 503. About 600 addresses like
 * `tcp@10.0.0.1:9999`: a teaching registry's size.
 */
export const MAX_LIST_BYTES = 12 * 1024;

// An rpcAddr as day 5's xDial reads it: printable ASCII (a byte is a character), and no
// comma, which separates the list.
const RPC_ADDR = /^(tcp|http|unix)@[\x21-\x2b\x2d-\x7e]{1,200}$/;

/** Whether a string is an address this registry would list: tcp@, http@ or unix@. */
export function isRpcAddr(addr: string): boolean {
  return RPC_ADDR.test(addr);
}

/**
 * Keeps the servers that have sent a heartbeat within `timeout` ms (0 = forever). The
 * list lives in one process's memory: a teaching registry. Production systems use a
 * replicated store (etcd, Consul, ZooKeeper); see the chapter's last section.
 */
export class GeeRegistry {
  readonly #timeout: number;
  #list: string | undefined; // the X-Geerpc-Servers value, until the list changes
  #listBytes = 0; // the list's length as a header: each address and its comma
  // rpcAddr -> when it was last heard from (performance.now(): a clock that never steps
  // back, as the wall clock can). A Map keeps insertion order, and a heartbeat re-inserts
  // its server, so the map runs from least to most recently heard.
  readonly #servers = new Map<string, number>();

  constructor(timeout = DEFAULT_TIMEOUT) {
    if (!Number.isFinite(timeout) || timeout < 0) {
      throw new TypeError(`rpc registry: timeout must be 0 (never) or more ms, got ${timeout}`);
    }
    this.#timeout = timeout;
  }

  /** Serves the registry at `path` of an HTTP server of its own (other paths: 404). */
  handleHTTP(httpServer: HttpServer, path = DEFAULT_PATH): void {
    if (httpServer.listenerCount('request') > 0) {
      throw new Error('rpc registry: handleHTTP needs an HTTP server with no request handler');
    }
    httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Not new URL(): it throws on targets the HTTP parser lets through (`//`), and a
      // throw here would take the whole process down.
      if ((req.url ?? '').split('?', 1)[0] !== path) reply(res, 404);
      else this.#serve(req, res);
    });
  }

  #serve(req: IncomingMessage, res: ServerResponse): void {
    this.#expire();
    const [status, detail] = this.#answer(req, res);
    reply(res, status, detail);
  }

  // GET lists the live servers; POST registers or refreshes one; DELETE lets it leave.
  // Returns the status to answer with, and a detail for the body.
  #answer(req: IncomingMessage, res: ServerResponse): [number, string?] {
    if (req.method === 'GET') {
      this.#list ??= [...this.#servers.keys()].sort().join(','); // sorted once per change
      res.setHeader('X-Geerpc-Servers', this.#list);
      return [200];
    }
    if (req.method !== 'POST' && req.method !== 'DELETE') {
      res.setHeader('Allow', 'GET, POST, DELETE');
      return [405];
    }
    const addr = req.headers['x-geerpc-server'];
    if (typeof addr !== 'string' || addr === '') return [500, 'no X-Geerpc-Server header'];
    if (!isRpcAddr(addr))
      return [400, 'want tcp@, http@ or unix@ and 1-200 printable ASCII, no comma'];
    if (req.method === 'DELETE') {
      this.#remove(addr);
      return [200];
    }
    const known = this.#servers.delete(addr); // to the back of the line: most recently heard
    if (!known && this.#listBytes + addr.length + 1 > MAX_LIST_BYTES) {
      return [503, `registry full: the list may take ${MAX_LIST_BYTES} bytes`];
    }
    this.#servers.set(addr, performance.now());
    if (!known) this.#changed(addr.length + 1);
    return [200];
  }

  #remove(addr: string): void {
    if (this.#servers.delete(addr)) this.#changed(-(addr.length + 1));
  }

  #changed(bytes: number): void {
    this.#listBytes += bytes;
    this.#list = undefined;
  }

  // Drops the servers not heard from within the timeout. They are at the front of the
  // map, so this stops at the first live one: its cost is the number it drops. Run on
  // every request, so an expired server is never listed, and none stays in memory
  // longer than until the next request.
  #expire(): void {
    if (this.#timeout === 0) return;
    const oldest = performance.now() - this.#timeout;
    for (const [addr, seen] of this.#servers) {
      if (seen > oldest) break;
      this.#remove(addr);
    }
  }
}

// Ends a response with its status text (and a detail): every response has a body a
// person can read, and none is left open.
function reply(res: ServerResponse, status: number, detail?: string): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`${status} ${STATUS_CODES[status]}${detail === undefined ? '' : `: ${detail}`}\n`);
}

/** The rpcAddr to advertise for a listener: one a client can dial, never `[::]`. */
export function advertisedAddr(listener: NetServer, protocol: 'tcp' | 'http' = 'tcp'): string {
  const { address, port, family } = listener.address() as AddressInfo;
  // A server listening on every interface cannot know which one its clients reach.
  if (address === '::' || address === '0.0.0.0') {
    throw new Error(
      `rpc registry: the server listens on every interface (${address}); advertise the address clients should dial`,
    );
  }
  return `${protocol}@${family === 'IPv6' ? `[${address}]` : address}:${port}`;
}

export interface HeartbeatOptions {
  /** How long each request to the registry may take, in ms (default 10 s). */
  requestTimeout?: number;
  /** Where a failed beat is reported (default: stderr). */
  log?: (message: string) => void;
}

export interface Heartbeat {
  /** Stops the beats, and tells the registry that the server is leaving. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Registers `rpcAddr` with the registry now, then every `interval` ms (default: the
 * registry's default timeout less a minute, so that one late beat is not fatal). A
 * failed beat is logged and retried after RETRY_MS: GeeRPC's stops at the first.
 * Its timer never keeps the process alive.
 */
export function heartbeat(
  registryUrl: string,
  rpcAddr: string,
  interval = DEFAULT_TIMEOUT - 60_000,
  { requestTimeout = 10_000, log = console.error }: HeartbeatOptions = {},
): Heartbeat {
  if (!Number.isSafeInteger(interval) || interval < 1 || interval > 2 ** 31 - 1) {
    throw new TypeError(`rpc registry: heartbeat interval must be 1 to 2^31-1 ms, got ${interval}`);
  }
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const beat = async (): Promise<void> => {
    let next = interval;
    try {
      await registryRequest(registryUrl, 'POST', rpcAddr, requestTimeout);
    } catch (err) {
      // Try again soon: with the defaults, waiting a whole interval after one failure
      // would leave the server unlisted for minutes.
      next = Math.min(interval, RETRY_MS);
      if (!stopped) log(`${describe(err)}; next heartbeat in ${next} ms`);
    }
    // The next beat is timed from the end of this one, so beats never overlap.
    if (stopped) return;
    timer = setTimeout(() => {
      beating = beat();
    }, next).unref();
  };
  let beating = beat();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(timer);
      // A beat in flight is waited for, not aborted: its POST may already be on the
      // wire, and could reach the registry after our DELETE and list us again.
      await beating;
      await registryRequest(registryUrl, 'DELETE', rpcAddr, requestTimeout).catch((err) =>
        log(describe(err)),
      );
    },
  };
}

/**
 * One request to the registry, as both sides make them: a time limit, the status
 * checked, the body discarded (only headers carry the answer), and a failure that names
 * the request. Resolves with the response's headers.
 */
export async function registryRequest(
  url: string,
  method: 'GET' | 'POST' | 'DELETE',
  rpcAddr: string | undefined,
  timeout: number,
): Promise<Headers> {
  try {
    const res = await fetch(url, {
      method,
      headers: rpcAddr === undefined ? {} : { 'X-Geerpc-Server': rpcAddr },
      signal: AbortSignal.timeout(timeout),
      // A 301 or 302 would turn our POST into a GET, which the registry answers with
      // 200: a beat that "succeeds" without registering anything.
      redirect: 'error',
    });
    await res.body?.cancel(); // GeeRPC's heartbeat never closes its responses: a leak
    if (res.status !== 200) throw new Error(`answered ${res.status} ${res.statusText}`);
    return res.headers;
  } catch (err) {
    throw new Error(`rpc registry: ${method} ${url} failed: ${describe(err)}`, { cause: err });
  }
}

// fetch() reports a refused connection as "fetch failed", with the reason in `cause`.
function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : '';
  return cause === '' || err.message.includes(cause) ? err.message : `${err.message}: ${cause}`;
}
