/**
 * The one form of address a registry lists: `tcp@`, `http@` or `unix@`, then 1 to 200
 * printable ASCII characters (a byte is a character) and no comma, which separates the
 * list. The registry checks every POST and DELETE against it, etcd discovery every
 * key; a server checks the address it advertises. Added on day 7.
 */

const RPC_ADDR = /^(tcp|http|unix)@[\x21-\x2b\x2d-\x7e]{1,200}$/;

/** What a 400 says about an address that is not in that form. */
export const RPC_ADDR_RULE = 'want tcp@, http@ or unix@ and 1-200 printable ASCII, no comma';

/** Whether `addr` is an address a registry would list. */
export function isRpcAddr(addr: string): boolean {
  return RPC_ADDR.test(addr);
}

/** Throws for a listener on every interface: it cannot know which one its clients reach. */
export function checkDialable(address: string): void {
  if (address === '::' || address === '0.0.0.0') {
    throw new Error(
      `rpc registry: the server listens on every interface (${address}); advertise the address clients should dial`,
    );
  }
}
