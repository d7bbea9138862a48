/**
 * The one form of address a registry lists: `tcp@`, `tls@`, `http@` or `unix@`, then 1 to 200
 * printable ASCII characters (a byte is a character) and no comma, which separates the
 * list, in one spelling per server. The registry checks every POST and DELETE against
 * it, etcd discovery every key; a server checks the address it advertises. Day 7.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { posix } from 'node:path';

const RPC_ADDR = /^(tcp|tls|http|unix)@[\x21-\x2b\x2d-\x7e]{1,200}$/;

/** What a 400 says about an address that is not in that form. */
export const RPC_ADDR_RULE =
  'want tcp@host:port, tls@host:port, http@host:port or unix@path: 1-200 printable ASCII, no comma, ' +
  'a plain port, one spelling per host and path (see isRpcAddr)';

/**
 * Whether `addr` is an address a registry would list. Only one spelling of each server,
 * or each client would dial it once per spelling: `:08080`, `:8080.0`, `127.0.0.01`,
 * `0x7f.0.0.1`, `2130706433`, `LOCALHOST`, `localhost.`, `[::FFFF:127.0.0.1]`,
 * `[0:0::1]`, `/tmp//a.sock` and `/tmp/a.sock/` are refused, never rewritten: the list
 * says byte for byte what a server registered, and `advertisedAddr` never writes them.
 * So are `0.0.0.0` and `[::]`: a dial to either reaches this machine, whoever dials.
 */
export function isRpcAddr(addr: string): boolean {
  if (!RPC_ADDR.test(addr)) return false;
  const rest = addr.slice(addr.indexOf('@') + 1);
  if (addr.startsWith('unix@')) return isPlainPath(rest);
  const colon = rest.lastIndexOf(':');
  const port = rest.slice(colon + 1);
  const plainPort = /^[1-9]\d{0,4}$/.test(port) && Number(port) <= 65535;
  const host = rest.slice(0, colon);
  return plainPort && isPlainHost(host) && host !== '0.0.0.0' && host !== '[::]';
}

// A name in lower case with no final dot, a dotted-quad IPv4 address, or an IPv6 one in
// brackets as RFC 5952 writes it. A name made only of numbers (in any base the system's
// resolver reads: 0x7f.1, 0177.0.0.1, 2130706433) is an IPv4 address spelled otherwise.
function isPlainHost(host: string): boolean {
  if (host.startsWith('[')) return isPlainIPv6(host);
  if (host === '' || host.includes(':') || host.endsWith('.')) return false;
  if (host !== host.toLowerCase()) return false;
  const numeric = host.split('.').every((label) => /^(0x[0-9a-f]*|\d*)$/.test(label));
  return !numeric || isIPv4(host);
}

// WHATWG's URL writes an IPv6 address in RFC 5952's form (lower case, the longest run of
// zeros as ::) and refuses a zone (%lo). An IPv4-mapped one (::ffff:7f00:1) is that IPv4
// server: written as IPv4.
function isPlainIPv6(host: string): boolean {
  const url = `http://${host}/`;
  if (!host.endsWith(']') || !isIPv6(host.slice(1, -1)) || !URL.canParse(url)) return false;
  return new URL(url).hostname === host && !/^\[::ffff:[^:]+:[^:]+\]$/.test(host);
}

// A path with no empty, `.` or `..` segment and no final slash (the kernel reads
// /tmp//a.sock, /tmp/./a.sock and /tmp/x/../a.sock as /tmp/a.sock).
function isPlainPath(path: string): boolean {
  return posix.normalize(path) === path && !path.endsWith('/');
}

/** Throws for a listener on every interface: it cannot know which one its clients reach. */
export function checkDialable(address: string): void {
  if (address === '::' || address === '0.0.0.0') {
    throw new Error(
      `rpc registry: the server listens on every interface (${address}); advertise the address clients should dial`,
    );
  }
}
