/**
 * Discovery: which servers there are, and which one the next call goes to. XClient asks
 * it for an address before each call. Mirrors GeeRPC's xclient/discovery.go, which
 * built Random and RoundRobin; this adds smooth weighted round robin and consistent
 * hashing. Added on day 6.
 */
import { createHash } from 'node:crypto';
import { RpcError } from '../errors.ts';

/** How `get` picks a server. An `as const` object: a plain value at run time, a union in types. */
export const SelectMode = {
  Random: 'Random',
  RoundRobin: 'RoundRobin',
  WeightedRoundRobin: 'WeightedRoundRobin',
  ConsistentHash: 'ConsistentHash',
} as const;
export type SelectMode = (typeof SelectMode)[keyof typeof SelectMode];

/** A server: its rpcAddr (`tcp@127.0.0.1:9999`), alone or with a weight (default 1). */
export type ServerEntry = string | { addr: string; weight?: number };

export interface Discovery {
  /** Brings the list up to date from wherever it comes from (a registry, on day 7). */
  refresh(): Promise<void>;
  /** Replaces the list. */
  update(servers: readonly ServerEntry[]): void;
  /** The server for the next call. `key` (ConsistentHash only) pins a key to a server. */
  get(mode: SelectMode, key?: string): Promise<string>;
  /** Every server, for a broadcast. */
  getAll(): Promise<string[]>;
}

interface Weighted {
  addr: string;
  weight: number;
  current: number; // smooth weighted round robin's running score
}

/** Virtual nodes per unit of weight on the hash ring: keys spread within about a quarter. */
const REPLICAS = 100;
/** Weights are ratios, not capacities: 100 is plenty, and bounds the ring's size. */
const MAX_WEIGHT = 100;

/**
 * A fixed list of servers, given by the user: no registry. `random` can be replaced
 * (with a seeded generator, in tests) so that Random and RoundRobin's start repeat.
 */
export class MultiServersDiscovery implements Discovery {
  readonly #random: () => number;
  #servers: Weighted[] = [];
  #index: number; // RoundRobin's next position, taken modulo the list's length
  #ring: { hash: number; addr: string }[] | undefined; // sorted by hash; built on first use

  constructor(servers: readonly ServerEntry[], { random = Math.random } = {}) {
    this.#random = random;
    // Every XClient starting at server 0 would send the first calls of all of them to
    // the same server: start somewhere at random, as GeeRPC does.
    this.#index = Math.floor(random() * 2 ** 31);
    this.#replace(servers); // not update(): a subclass's update may need fields not yet set
  }

  /** Nothing to refresh: this list changes only by `update`. */
  async refresh(): Promise<void> {}

  /** Throws, saying which, for an entry that is not an address or has a bad weight. */
  update(servers: readonly ServerEntry[]): void {
    this.#replace(servers);
  }

  async get(mode: SelectMode, key?: string): Promise<string> {
    const servers = this.#list();
    switch (mode) {
      case SelectMode.Random:
        return (servers[Math.floor(this.#random() * servers.length)] as Weighted).addr;
      case SelectMode.RoundRobin: {
        const server = servers[this.#index % servers.length] as Weighted;
        this.#index = (this.#index + 1) % servers.length;
        return server.addr;
      }
      case SelectMode.WeightedRoundRobin:
        return smoothWeighted(servers).addr;
      case SelectMode.ConsistentHash:
        if (key === undefined) throw new RpcError('rpc discovery: ConsistentHash needs a key');
        this.#ring ??= buildRing(servers);
        return onRing(this.#ring, hash(key));
      default:
        throw new RpcError(`rpc discovery: unknown select mode ${String(mode)}`);
    }
  }

  async getAll(): Promise<string[]> {
    return this.#list().map((server) => server.addr);
  }

  #replace(servers: readonly ServerEntry[]): void {
    const seen = new Set<string>();
    const list = servers.map((entry) => {
      const { addr, weight = 1 } = typeof entry === 'string' ? { addr: entry } : entry;
      if (typeof addr !== 'string' || addr === '') {
        throw new TypeError(
          `rpc discovery: a server needs an address, got ${JSON.stringify(entry)}`,
        );
      }
      if (!Number.isInteger(weight) || weight < 1 || weight > MAX_WEIGHT) {
        throw new TypeError(
          `rpc discovery: weight of ${addr} must be a whole number from 1 to ${MAX_WEIGHT}, got ${weight}`,
        );
      }
      if (seen.has(addr)) throw new TypeError(`rpc discovery: ${addr} is listed twice`);
      seen.add(addr);
      return { addr, weight, current: 0 }; // a copy: the caller's array stays theirs
    });
    this.#servers = list;
    this.#ring = undefined; // built again only if ConsistentHash is used
  }

  #list(): Weighted[] {
    if (this.#servers.length === 0) throw new RpcError('rpc discovery: no available servers');
    return this.#servers;
  }
}

// nginx's smooth weighted round robin: every pick, each server gains its weight, the
// highest score wins and pays the total back. Weights 5:1:1 give a a b a c a a, the
// heavy server's turns spread out, instead of a a a a a b c, five in a row.
function smoothWeighted(servers: Weighted[]): Weighted {
  let total = 0;
  let best = servers[0] as Weighted;
  for (const server of servers) {
    server.current += server.weight;
    total += server.weight;
    if (server.current > best.current) best = server;
  }
  best.current -= total;
  return best;
}

// The hash ring: each server at REPLICAS × weight points of a 32-bit circle. A key
// belongs to the first point at or after its own hash. Adding a server takes over only
// the arcs before its points, so only about 1/(n+1) of the keys move, all to it.
function buildRing(servers: Weighted[]): { hash: number; addr: string }[] {
  const ring = servers.flatMap(({ addr, weight }) =>
    Array.from({ length: REPLICAS * weight }, (_, i) => ({ hash: hash(`${i}#${addr}`), addr })),
  );
  // Ties (two points on one hash) are broken by address, so every client builds the same ring.
  return ring.sort((a, b) => a.hash - b.hash || (a.addr < b.addr ? -1 : 1));
}

// Binary search for the first point at or after h; past the last point, wrap to the first.
function onRing(ring: { hash: number; addr: string }[], h: number): string {
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ring[mid] as { hash: number }).hash < h) lo = mid + 1;
    else hi = mid;
  }
  return (ring[lo % ring.length] as { addr: string }).addr;
}

// 32 bits of MD5: not for security, for spread. Similar inputs ("0#a", "1#a") land far
// apart, which a simple hash such as FNV does poorly on short strings.
function hash(text: string): number {
  return createHash('md5').update(text).digest().readUInt32BE(0);
}
