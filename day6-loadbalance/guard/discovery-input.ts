/**
 * What a discovery and an XClient are given, checked before it is used: the server
 * list (each entry an rpcAddr with a whole weight from 1 to MAX_WEIGHT, none twice), the
 * select mode, and what a random source returns. A bad list is refused whole, so the
 * list in use stays as it was. Added on day 6.
 */
import { RpcError } from '../errors.ts';

/** Weights are ratios, not capacities: 100 is plenty, and bounds the hash ring's size. */
export const MAX_WEIGHT = 100;

/** Throws a TypeError that names the first entry that is not an rpcAddr or `{ addr, weight? }`. */
export function checkServers(servers: unknown): void {
  if (!Array.isArray(servers)) throw new TypeError('rpc discovery: servers must be an array');
  const seen = new Set<string>();
  for (const entry of servers) {
    const { addr, weight } = typeof entry === 'string' ? { addr: entry } : (entry ?? {});
    if (typeof addr !== 'string' || !/^[a-z]+@./.test(addr)) {
      throw new TypeError(
        `rpc discovery: want a server as protocol@address (tcp@host:port), got ${JSON.stringify(entry)}`,
      );
    }
    if (
      weight !== undefined &&
      !(Number.isInteger(weight) && weight >= 1 && weight <= MAX_WEIGHT)
    ) {
      throw new TypeError(
        `rpc discovery: weight of ${addr} must be a whole number from 1 to ${MAX_WEIGHT}, got ${JSON.stringify(weight)}`,
      );
    }
    if (seen.has(addr)) throw new TypeError(`rpc discovery: ${addr} is listed twice`);
    seen.add(addr);
  }
}

/** Throws a TypeError unless `mode` is one of `modes`' values (SelectMode's). */
export function checkSelectMode(mode: unknown, modes: Record<string, string>): void {
  if (!Object.values(modes).includes(mode as string)) {
    throw new TypeError(`rpc xclient: unknown select mode ${String(mode)}`);
  }
}

/** `r`, if it is in [0, 1): a random source that strays would pick no server, or one past the end. */
export function checkRandom(r: number): number {
  if (!(r >= 0 && r < 1))
    throw new RpcError(`rpc discovery: random() must return [0, 1), got ${r}`);
  return r;
}
