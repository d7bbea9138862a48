/**
 * Discovery: which servers there are, and which one the next call goes to. XClient asks
 * it for an address before each call. Mirrors GeeRPC's xclient/discovery.go, which
 * built Random and RoundRobin; this adds smooth weighted round robin and consistent
 * hashing. Added on day 6; exercise 6.3 bounds the load consistent hashing puts on a server.
 */
import { hash as digest } from 'node:crypto';
import { RpcError } from '../errors.ts';
import { checkRandom, checkServers } from '../guard/discovery-input.ts';

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
  /**
   * Says that the call `get` picked `addr` for has ended. A discovery that balances load
   * counts a call in flight from `get` to `done`; one that does not leaves this out.
   */
  done?(addr: string): void;
}

interface Weighted {
  addr: string;
  weight: number;
  current: number; // smooth weighted round robin's running score
}

type Point = { hash: number; addr: string }; // a server's place on the hash ring

/** Points on the hash ring per unit of weight: keys spread evenly within about a quarter. */
const REPLICAS = 100;

/**
 * A fixed list of servers, given by the user: no registry. `random` can be replaced
 * (with a seeded generator, in tests) so that Random and RoundRobin's start repeat.
 */
export class MultiServersDiscovery implements Discovery {
  readonly #random: () => number;
  #servers: Weighted[] = [];
  #index: number; // RoundRobin's next position, taken modulo the list's length
  #ring: Point[] | undefined; // sorted by hash; built on first use
  #ringOf = ''; // the servers and weights the ring was built for
  readonly #maxLoad: number; // ConsistentHash: no server above maxLoad × the average load
  readonly #inFlight = new Map<string, number>(); // addr -> calls picked by get, not yet done

  constructor(
    servers: readonly ServerEntry[],
    { random = Math.random, maxLoad = Number.POSITIVE_INFINITY } = {},
  ) {
    if (!(maxLoad >= 1))
      throw new RangeError(`rpc discovery: maxLoad must be 1 or more, not ${maxLoad}`);
    this.#random = random;
    this.#maxLoad = maxLoad;
    // Every XClient starting at server 0 would send the first calls of all of them to
    // the same server: start somewhere at random, as GeeRPC does.
    this.#index = this.#randomIndex(2 ** 31);
    this.#replace(servers); // not update(): a subclass's update may need fields not yet set
  }

  /** Nothing to refresh: this list changes only by `update`. */
  async refresh(): Promise<void> {}

  /** Throws, saying which, for an entry that is not an address or has a bad weight. */
  update(servers: readonly ServerEntry[]): void {
    this.#replace(servers);
  }

  /** The server for the next call, counted in flight until `done(addr)`. */
  async get(mode: SelectMode, key?: string): Promise<string> {
    const addr = this.#pick(mode, key);
    this.#inFlight.set(addr, (this.#inFlight.get(addr) ?? 0) + 1);
    return addr;
  }

  done(addr: string): void {
    const left = (this.#inFlight.get(addr) ?? 0) - 1;
    if (left > 0) this.#inFlight.set(addr, left);
    else this.#inFlight.delete(addr);
  }

  #pick(mode: SelectMode, key?: string): string {
    const servers = this.#list();
    switch (mode) {
      case SelectMode.Random:
        return (servers[this.#randomIndex(servers.length)] as Weighted).addr;
      case SelectMode.RoundRobin: {
        const server = servers[this.#index % servers.length] as Weighted;
        this.#index = (this.#index + 1) % servers.length;
        return server.addr;
      }
      case SelectMode.WeightedRoundRobin:
        return smoothWeighted(servers).addr;
      case SelectMode.ConsistentHash:
        if (typeof key !== 'string')
          throw new RpcError('rpc discovery: ConsistentHash needs a key');
        this.#ring ??= buildRing(servers);
        return onRing(this.#ring, md5(key).readUInt32BE(0), this.#underBound(servers));
      default:
        throw new RpcError(`rpc discovery: unknown select mode ${String(mode)}`);
    }
  }

  async getAll(): Promise<string[]> {
    return this.#list().map((server) => server.addr);
  }

  // Copies the list (the caller's array stays theirs). A server listed before with the
  // same weight keeps its WRR score, and an unchanged list keeps its ring: a registry
  // hands over the same list every few seconds (day 7).
  #replace(servers: readonly ServerEntry[]): void {
    checkServers(servers);
    const before = new Map(this.#servers.map((server) => [server.addr, server]));
    this.#servers = servers.map((entry) => {
      const { addr, weight = 1 } = typeof entry === 'string' ? { addr: entry } : entry;
      const old = before.get(addr);
      return { addr, weight, current: old?.weight === weight ? old.current : 0 };
    });
    const ringOf = this.#servers
      .map(({ addr, weight }) => `${weight}*${addr}`)
      .sort()
      .join();
    if (ringOf !== this.#ringOf) this.#ring = undefined; // built again if ConsistentHash is used
    this.#ringOf = ringOf;
  }

  // Consistent Hashing with Bounded Loads (Mirrokni, Thorup, Zadimoghaddam, 2016): a
  // server may take the new call while its load stays within maxLoad × the average,
  // the new call counted. With maxLoad >= 1 some server always does: not all can be
  // above the average.
  #underBound(servers: Weighted[]): (addr: string) => boolean {
    const load = (addr: string) => this.#inFlight.get(addr) ?? 0;
    const total = servers.reduce((sum, s) => sum + load(s.addr), 0);
    const bound = Math.ceil((this.#maxLoad * (total + 1)) / servers.length);
    return (addr) => load(addr) + 1 <= bound;
  }

  #randomIndex(n: number): number {
    return Math.floor(checkRandom(this.#random()) * n);
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
// the arcs before its points, so only about 1/(n+1) of the keys move, all to it. Each
// MD5 digest gives four points (16 bytes), as memcached's ketama does: a quarter of
// the hashing, which is most of the cost of building a ring.
function buildRing(servers: Weighted[]): Point[] {
  const ring = servers.flatMap(({ addr, weight }) =>
    Array.from({ length: REPLICAS * weight }, (_, i) => ({
      hash: md5(`${i >> 2}#${addr}`).readUInt32BE((i & 3) * 4),
      addr,
    })),
  );
  // Ties (two points on one hash) are broken by address, so every client builds the same ring.
  return ring.sort((a, b) => a.hash - b.hash || (a.addr < b.addr ? -1 : 1));
}

// Binary search for the first point at or after h; past the last point, wrap to the first.
// Then on along the ring, past servers that may take no more.
function onRing(ring: Point[], h: number, fits: (addr: string) => boolean): string {
  let lo = 0;
  let hi = ring.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ring[mid] as Point).hash < h) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < lo + ring.length; i++) {
    const { addr } = ring[i % ring.length] as Point;
    if (fits(addr)) return addr;
  }
  return (ring[lo % ring.length] as Point).addr; // not reached: some server always fits
}

// MD5 for the ring's hashes: not for security, for spread. Similar inputs ("0#a", "1#a")
// land far apart, which a simple hash such as FNV does poorly on short strings.
// crypto.hash (Node 20.12) is the one-shot form: a quarter of createHash's cost here.
function md5(text: string): Buffer {
  return digest('md5', text, 'buffer');
}
