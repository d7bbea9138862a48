/**
 * The registry: where servers say "I am alive" and clients ask "who is?". A server
 * POSTs its address every so often (a heartbeat); a client GETs the list of those heard
 * from recently. Mirrors GeeRPC's registry/registry.go. Added on day 7; exercise 7.3
 * keeps the list in a file, so that a restarted registry lists its servers at once.
 */
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { ListBytes } from '../guard/list-bytes.ts';
import { safeLog } from '../guard/log.ts';
import { bounded, fetchFailure } from '../guard/registry-fetch.ts';
import { checkInterval, checkTimeout, REGISTRY_DEFAULTS } from '../guard/registry-options.ts';
import { checkToken, tokenHeader, tokenMatches } from '../guard/registry-token.ts';
import { claimServer, onPath } from '../guard/request-target.ts';
import { checkDialable, isRpcAddr, RPC_ADDR_RULE } from '../guard/rpc-addr.ts';

export const DEFAULT_PATH = '/_geerpc_/registry';

/** A response: its status, and for an error, a detail for the body. */
type Answer = [status: number, detail?: string];

export interface GeeRegistryOptions {
  /** The token every POST and DELETE must carry; none: the registry is open. */
  token?: string;
  /** Where the list is kept across restarts: each server and when it was last heard. */
  file?: string;
  /** Where a file that cannot be read or written is reported (default: stderr). */
  log?: (message: string) => void;
}

/**
 * Keeps the servers that have sent a heartbeat within `timeout` ms (0 = forever). The
 * list lives in one process's memory: a teaching registry. Production systems use a
 * replicated store (etcd, Consul, ZooKeeper); see the chapter's last section. With a
 * `token`, only requests that carry it may change the list.
 */
export class GeeRegistry {
  readonly #timeout: number;
  readonly #token: string | undefined;
  // rpcAddr -> when it was last heard from (performance.now()). A Map keeps insertion
  // order, and a heartbeat re-inserts its server: the map runs from least to most
  // recently heard.
  readonly #servers = new Map<string, number>();
  #list: string | undefined; // the X-Geerpc-Servers value, until the list changes
  readonly #bytes = new ListBytes(REGISTRY_DEFAULTS.maxListBytes);
  readonly #file: string | undefined;
  readonly #log: (message: string) => void;
  #written: Promise<void> = Promise.resolve(); // the last write of the file, queued or running
  #next: Promise<void> | undefined; // the write not started yet, which every change joins

  constructor(timeout = REGISTRY_DEFAULTS.timeout, options: GeeRegistryOptions = {}) {
    checkTimeout(timeout);
    checkToken(options.token);
    this.#timeout = timeout;
    this.#token = options.token;
    this.#file = options.file;
    this.#log = safeLog(options.log);
    if (this.#file !== undefined) this.#load(this.#file);
  }

  /** Serves the registry at `path` of an HTTP server of its own (other paths: 404). */
  handleHTTP(httpServer: http.Server, path = DEFAULT_PATH): void {
    claimServer(httpServer, REGISTRY_DEFAULTS.idleTimeout);
    httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!onPath(req.url, path)) return reply(res, [404]);
      this.#expire();
      const answer = this.#serveHTTP(req, res);
      // A change is answered once it is on disk: a 200 means a restart keeps it.
      if (req.method === 'GET' || answer[0] !== 200) reply(res, answer);
      else void this.#save().then(() => reply(res, answer));
    });
  }

  // GET lists the live servers; POST registers or refreshes one; DELETE lets it leave.
  #serveHTTP(req: http.IncomingMessage, res: http.ServerResponse): Answer {
    if (req.method === 'GET') {
      this.#list ??= [...this.#servers.keys()].sort().join(','); // sorted once per change
      res.setHeader('X-Geerpc-Servers', this.#list);
      return [200];
    }
    if (req.method !== 'POST' && req.method !== 'DELETE') {
      res.setHeader('Allow', 'GET, POST, DELETE');
      return [405];
    }
    if (!tokenMatches(req, this.#token)) return [401, 'wrong or missing token'];
    const addr = req.headers['x-geerpc-server'];
    if (typeof addr !== 'string' || addr === '') return [500, 'no X-Geerpc-Server header'];
    if (!isRpcAddr(addr)) return [400, RPC_ADDR_RULE];
    if (req.method === 'DELETE') this.#removeServer(addr);
    else if (!this.#putServer(addr)) return [503, this.#bytes.refusal];
    return [200];
  }

  // Lists `addr` as heard from now. False for a new server the list has no room for.
  #putServer(addr: string): boolean {
    const known = this.#servers.delete(addr); // to the back of the line: most recently heard
    if (!known && !this.#bytes.add(addr)) return false;
    this.#servers.set(addr, performance.now());
    if (!known) this.#list = undefined;
    return true;
  }

  #removeServer(addr: string): void {
    if (!this.#servers.delete(addr)) return;
    this.#bytes.remove(addr);
    this.#list = undefined;
  }

  // Drops the servers not heard from within the timeout. They are at the front of the
  // map, so this stops at the first live one. Run on every request, so an expired
  // server is never listed, whoever asks.
  #expire(): void {
    if (this.#timeout === 0) return;
    const oldest = performance.now() - this.#timeout;
    for (const [addr, seen] of this.#servers) {
      if (seen > oldest) break;
      this.#removeServer(addr);
      void this.#save();
    }
  }

  /** Resolves once every change made so far is in the file: await it before exiting. */
  flushed(): Promise<void> {
    return this.#written;
  }

  // Group commit: one write at a time, and every change made while it runs goes out
  // together in the next. A beat is a change too: its time is what a restarted registry
  // needs, and a file written only when the list changes keeps each server's first beat.
  #save(): Promise<void> {
    if (this.#file === undefined) return Promise.resolve();
    this.#next ??= this.#written.then(() => {
      this.#next = undefined; // changes from now on wait for the write after this one
      return this.#write(this.#file as string);
    });
    this.#written = this.#next;
    return this.#next;
  }

  // The list as { addr: last heard }, in wall-clock ms: performance.now() starts again
  // with the process, Date.now() does not. Written beside the file, then renamed over it:
  // a rename replaces the whole file or nothing, so a crash never leaves half of one.
  async #write(file: string): Promise<void> {
    const wallClock = Date.now() - performance.now();
    const heard = [...this.#servers].map(([addr, seen]) => [addr, Math.round(wallClock + seen)]);
    try {
      await writeFile(`${file}.tmp`, JSON.stringify(Object.fromEntries(heard)));
      await rename(`${file}.tmp`, file);
    } catch (err) {
      this.#log(`rpc registry: cannot write ${file}: ${(err as Error).message}`);
    }
  }

  // Lists the servers of the file as heard when they were, oldest first, as the map keeps
  // them: the first request's #expire then drops those older than the timeout. No file
  // yet is an empty list; a file that does not parse is reported and ignored.
  #load(file: string): void {
    let saved: unknown;
    try {
      saved = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        this.#log(`rpc registry: cannot read ${file}: ${(err as Error).message}`);
      return;
    }
    const now = Date.now();
    const heard = Object.entries(typeof saved === 'object' && saved !== null ? saved : {})
      .filter(
        (entry): entry is [string, number] => Number.isFinite(entry[1]) && isRpcAddr(entry[0]),
      )
      .sort((a, b) => a[1] - b[1]); // oldest first, as the map keeps them
    for (const [addr, at] of heard) {
      const age = Math.max(0, now - at); // a time to come (the clock was set back) is now
      if (this.#bytes.add(addr)) this.#servers.set(addr, performance.now() - age);
    }
  }
}

// Ends a response. An error's body says what went wrong; a success has none, as
// GeeRPC's do: its clients never close a body, and each would pin a connection.
function reply(res: http.ServerResponse, [status, detail]: Answer): void {
  res.statusCode = status;
  if (status === 200) return void res.end();
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(`${status} ${http.STATUS_CODES[status]}${detail === undefined ? '' : `: ${detail}`}\n`);
}

/** The rpcAddr to advertise for a listener: one a client can dial, never `[::]`. */
export function advertisedAddr(
  listener: NetServer,
  protocol: 'tcp' | 'tls' | 'http' = 'tcp',
): string {
  const { address, port, family } = listener.address() as AddressInfo;
  checkDialable(address);
  return `${protocol}@${family === 'IPv6' ? `[${address}]` : address}:${port}`;
}

export interface HeartbeatOptions {
  /** How long each request to the registry may take, in ms (default 10 s). */
  requestTimeout?: number;
  /** The registry's token, if it has one. */
  token?: string;
  /** Where a failed beat is reported (default: stderr). */
  log?: (message: string) => void;
}

export interface Heartbeat {
  /** Stops the beats, and tells the registry that the server is leaving. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Registers `rpcAddr` with the registry now, then every `interval` ms (default 4
 * minutes: the registry's default timeout less one, so that one late beat is not
 * fatal). A failed beat is logged and tried again a second later. Its timer never
 * keeps the process alive.
 */
export function heartbeat(
  registryUrl: string,
  rpcAddr: string,
  interval = REGISTRY_DEFAULTS.heartbeatInterval,
  options: HeartbeatOptions = {},
): Heartbeat {
  checkInterval(interval);
  checkToken(options.token);
  const { requestTimeout = REGISTRY_DEFAULTS.beatTimeout, token } = options;
  const log = safeLog(options.log);
  const send = (method: 'POST' | 'DELETE') =>
    registryRequest(registryUrl, method, { rpcAddr, token, timeout: requestTimeout });
  const stopping = new AbortController();
  // As GeeRPC's loop: a beat now, then one every interval (after a failed beat, sooner).
  const beating = (async () => {
    while (!stopping.signal.aborted) {
      let wait = interval;
      try {
        await send('POST');
      } catch (err) {
        wait = Math.min(interval, REGISTRY_DEFAULTS.retry);
        if (!stopping.signal.aborted)
          log(`${(err as Error).message}; next heartbeat in ${wait} ms`);
      }
      await sleep(wait, undefined, { signal: stopping.signal, ref: false }).catch(() => {});
    }
  })();
  return {
    async stop() {
      if (stopping.signal.aborted) return;
      stopping.abort();
      // A beat in flight is waited for, not aborted: its POST may already be on the
      // wire, and could reach the registry after our DELETE and list us again.
      await beating;
      await send('DELETE').catch((err: Error) => log(err.message));
    },
  };
}

/**
 * One request to the registry, as both sides make them: bounded, its status checked,
 * its body discarded (the answer is in the headers), and a failure that names the
 * request. Resolves with the response's headers.
 */
export async function registryRequest(
  url: string,
  method: 'GET' | 'POST' | 'DELETE',
  { rpcAddr, token, timeout }: { rpcAddr?: string; token?: string; timeout: number },
): Promise<Headers> {
  const headers = tokenHeader(token);
  if (rpcAddr !== undefined) headers['X-Geerpc-Server'] = rpcAddr;
  try {
    const res = await fetch(url, { method, headers, ...bounded(timeout) });
    await res.body?.cancel(); // the answer is in the headers: free the connection
    if (res.status !== 200) throw new Error(`answered ${res.status} ${res.statusText}`);
    return res.headers;
  } catch (err) {
    throw new Error(`rpc registry: ${method} ${url} failed: ${fetchFailure(err)}`, { cause: err });
  }
}
