/**
 * Addresses a client is given, checked before they reach the network: a clear error
 * names the mistake, instead of Node's own error about an odd host or port.
 * Added on day 2.
 */
import type { NetConnectOpts } from 'node:net';
import { RpcError } from '../errors.ts';

/** `host:port` as connect options; `[::1]:80` is IPv6 host `::1`. Throws RpcError otherwise. */
export function tcpAddress(address: string): NetConnectOpts {
  const colon = address.lastIndexOf(':');
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(colon + 1));
  if (colon < 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new RpcError(`rpc client: bad tcp address ${JSON.stringify(address)}, want host:port`);
  }
  return { host: host || 'localhost', port };
}
