/**
 * A process that lists one server in etcd and then waits to be killed: the etcd suite
 * kills it to show that a dead server's key goes when its lease runs out.
 * Usage: register-process.ts ETCD_URL PREFIX RPC_ADDR TTL_SECONDS
 */
import { etcdClient, registerEtcd } from '../day7-registry/etcd/register.ts';

const [url, prefix, rpcAddr, ttl] = process.argv.slice(2) as [string, string, string, string];
registerEtcd(etcdClient(url), rpcAddr, { prefix, ttl: Number(ttl) });
setInterval(() => {}, 60_000); // stay alive until killed
