/**
 * The registry: where servers say "I am alive" and clients ask "who is?". A server
 * POSTs its address every so often (a heartbeat); a client GETs the list of those heard
 * from recently. Mirrors GeeRPC's registry/registry.go. Added on day 7; exercise 7.2
 * has the registry call each server, and drop one that beats but does not answer.
 */
import http from 'node:http';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { xDial } from '../client.ts';
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
  /** Call `Health.ping` on every server each `timeout / 3`; drop one that fails twice. */
  healthChecks?: boolean;
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
  readonly #failures = new Map<string, number>(); // rpcAddr -> pings failed in a row
  // Dropped by a health check, and when last heard: their beats do not list them again
  // until a ping succeeds. Kept until they stop beating, as listed servers are.
  readonly #aside = new Map<string, number>();
  #checks: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined; // the round of pings under way

  constructor(timeout = REGISTRY_DEFAULTS.timeout, options: GeeRegistryOptions = {}) {
    checkTimeout(timeout);
    checkToken(options.token);
    this.#timeout = timeout;
    this.#token = options.token;
    // The registry dials every address it is given: with health checks, give it a token,
    // or anyone who can POST can make it connect anywhere.
    if (options.healthChecks && timeout > 0) {
      const check = () => {
        this.#checking ??= this.#check().finally(() => {
          this.#checking = undefined;
        });
      };
      this.#checks = setInterval(check, timeout / 3).unref();
    }
  }

  /** Stops the health checks, and waits for the pings under way. */
  async close(): Promise<void> {
    clearInterval(this.#checks);
    await this.#checking;
  }

  /** Serves the registry at `path` of an HTTP server of its own (other paths: 404). */
  handleHTTP(httpServer: http.Server, path = DEFAULT_PATH): void {
    claimServer(httpServer, REGISTRY_DEFAULTS.idleTimeout);
    httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      if (!onPath(req.url, path)) return reply(res, [404]);
      this.#expire();
      reply(res, this.#serveHTTP(req, res));
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
    if (this.#aside.has(addr)) {
      this.#aside.set(addr, performance.now()); // heard, but listed only once a ping succeeds
      return true;
    }
    const known = this.#servers.delete(addr); // to the back of the line: most recently heard
    if (!known && !this.#bytes.add(addr)) return false;
    this.#servers.set(addr, performance.now());
    if (!known) this.#list = undefined;
    return true;
  }

  #removeServer(addr: string): void {
    this.#failures.delete(addr);
    this.#aside.delete(addr); // a DELETE forgets a server set aside too
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
    }
    for (const [addr, seen] of this.#aside) if (seen <= oldest) this.#aside.delete(addr);
  }

  // One round of health checks: every server, listed or set aside, is pinged at once.
  // A listed one that fails twice in a row is set aside; one set aside that answers is
  // let back, and its next beat lists it. A ping may take half the time between rounds,
  // so that no round is skipped, and two failures take at most 5/6 of the timeout.
  async #check(): Promise<void> {
    this.#expire();
    const addrs = [...this.#servers.keys(), ...this.#aside.keys()];
    const answers = await Promise.all(addrs.map((addr) => ping(addr, this.#timeout / 6)));
    for (const [i, addr] of addrs.entries()) {
      const seen = this.#servers.get(addr);
      if (answers[i]) {
        this.#failures.delete(addr);
        this.#aside.delete(addr);
      } else if (seen !== undefined) {
        const failures = (this.#failures.get(addr) ?? 0) + 1;
        this.#failures.set(addr, failures);
        if (failures < 2) continue;
        this.#removeServer(addr);
        this.#aside.set(addr, seen);
      }
    }
  }
}

// Whether `rpcAddr` answers a Health.ping within `ms`, over a connection of its own.
async function ping(rpcAddr: string, ms: number): Promise<boolean> {
  const signal = AbortSignal.timeout(ms);
  try {
    const client = await xDial(rpcAddr, { signal });
    try {
      await client.call('Health.ping', null, { signal });
      return true;
    } finally {
      await client.close();
    }
  } catch {
    return false;
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
