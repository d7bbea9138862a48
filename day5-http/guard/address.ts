/**
 * Addresses a client is given, checked before they reach the network: a clear error
 * names the mistake, instead of Node's own error about an odd host or port.
 * Added on day 2; day 5 added `protocol@address`, the form xDial takes (and `tls@`).
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

/**
 * `protocol@address` in its two parts, split at the first `@` (a unix path may hold
 * more). Throws RpcError unless the protocol is tcp, http, tls or unix and an address follows.
 */
export function splitRpcAddr(rpcAddr: string): ['tcp' | 'http' | 'tls' | 'unix', string] {
  const at = rpcAddr.indexOf('@');
  const protocol = rpcAddr.slice(0, at);
  const address = rpcAddr.slice(at + 1);
  if (at <= 0 || address === '') {
    throw new RpcError(
      `rpc client: bad rpcAddr ${JSON.stringify(rpcAddr)}, want protocol@address: tcp@127.0.0.1:9999, http@127.0.0.1:9999 or unix@/tmp/geerpc.sock`,
    );
  }
  if (!['tcp', 'http', 'tls', 'unix'].includes(protocol)) {
    throw new RpcError(
      `rpc client: unknown protocol ${JSON.stringify(protocol)} in ${JSON.stringify(rpcAddr)}, want tcp, http, tls or unix`,
    );
  }
  return [protocol as 'tcp' | 'http' | 'tls' | 'unix', address];
}
