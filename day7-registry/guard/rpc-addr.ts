/**
 * The one form of address a registry lists: `tcp@`, `http@` or `unix@`, then 1 to 200
 * printable ASCII characters (a byte is a character) and no comma, which separates the
 * list. The registry checks every POST and DELETE against it, etcd discovery every
 * key; a server checks the address it advertises. Added on day 7.
 */
import { isIPv4 } from 'node:net';

const RPC_ADDR = /^(tcp|http|unix)@[\x21-\x2b\x2d-\x7e]{1,200}$/;

/** What a 400 says about an address that is not in that form. */
export const RPC_ADDR_RULE =
  'want tcp@host:port, http@host:port or unix@path: 1-200 printable ASCII, no comma, a plain port';

/**
 * Whether `addr` is an address a registry would list. Only one spelling of each server:
 * `tcp@127.0.0.1:08080`, `:8080.0` and `127.0.0.01` would otherwise list it twice.
 */
export function isRpcAddr(addr: string): boolean {
  if (!RPC_ADDR.test(addr)) return false;
  if (addr.startsWith('unix@')) return true;
  const colon = addr.lastIndexOf(':');
  const host = addr.slice(addr.indexOf('@') + 1, colon);
  const port = addr.slice(colon + 1);
  const plainPort = /^[1-9]\d{0,4}$/.test(port) && Number(port) <= 65535;
  return host !== '' && plainPort && (!/^[\d.]+$/.test(host) || isIPv4(host));
}

/** Throws for a listener on every interface: it cannot know which one its clients reach. */
export function checkDialable(address: string): void {
  if (address === '::' || address === '0.0.0.0') {
    throw new Error(
      `rpc registry: the server listens on every interface (${address}); advertise the address clients should dial`,
    );
  }
}
