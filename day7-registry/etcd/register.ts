/**
 * Registering a server in etcd, the registry production systems run: a key under a
 * prefix, attached to a lease (a time-to-live) that the etcd client keeps alive over one
 * stream. If the process dies, the keep-alives stop and etcd deletes the key when the
 * lease runs out. Beyond day 7: the chapter's last section.
 */
import type { InterceptingCall, Interceptor } from '@grpc/grpc-js';
import { Etcd3, type Lease } from 'etcd3';
import { safeLog } from '../guard/log.ts';
import { REGISTRY_DEFAULTS } from '../guard/registry-options.ts';

/** Where servers are listed: one key per server, `geerpc/servers/<rpcAddr>`. */
export const DEFAULT_PREFIX = 'geerpc/servers/';

// A broken watch stream is reopened after REGISTRY_DEFAULTS.retry, every time. The
// client's default backoff grows towards 30 s, so a discovery learnt of changes that
// late after an outage, and its timers (which close() does not clear) kept the process
// alive.
const EVERY_RETRY = { duration: REGISTRY_DEFAULTS.retry, next: () => EVERY_RETRY };

// Every request says "only if you have a leader" (etcd's `hasleader`, which Go's
// clientv3.WithRequireLeader sets). Without it, a member cut off from the others keeps a
// watch open and silent, and a write waits seconds for a majority that is not there;
// with it, the member ends the watch (the discovery says its list is stale, and the client
// moves to another member) and refuses the write at once: "etcdserver: no leader".
const requireLeader: Interceptor = (options, nextCall) => {
  const call = nextCall(options);
  const start = call.start.bind(call);
  call.start = (metadata, listener) => {
    metadata.set('hasleader', 'true');
    start(metadata, listener);
  };
  // gRPC uses only the call's interface; the class would be a runtime import of etcd3's
  // own gRPC library, which is not ours to depend on.
  return call as InterceptingCall;
};

/** An etcd client for `url` (`http://127.0.0.1:2379`), or for each member of a cluster. */
export function etcdClient(url: string | string[]): Etcd3 {
  return new Etcd3({
    hosts: url,
    faultHandling: { watchBackoff: EVERY_RETRY },
    grpcOptions: {
      // A watch answer batches events with their values, which discovery never reads; past
      // gRPC's 4 MiB default, one batch of big values would stop the watch for good.
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      interceptors: [requireLeader],
    },
  });
}

export interface EtcdRegistrationOptions {
  /** The lease's time-to-live, in seconds: how long a dead server stays listed (default 10). */
  ttl?: number;
  prefix?: string;
  /** Where a lost lease or a failed put is reported (default: stderr). */
  log?: (message: string) => void;
}

export interface EtcdRegistration {
  /** Revokes the lease: the server is unlisted at once. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Lists `rpcAddr` in etcd until `stop()`. A lost lease (etcd was unreachable for longer
 * than the ttl) or a failed put is logged and tried again with a new lease, every
 * REGISTRY_DEFAULTS.retry: losing etcd for a while must never be fatal to the server.
 */
export function registerEtcd(
  client: Etcd3,
  rpcAddr: string,
  { ttl = 10, prefix = DEFAULT_PREFIX, ...options }: EtcdRegistrationOptions = {},
): EtcdRegistration {
  const log = safeLog(options.log);
  let stopped = false;
  let lease: Lease | undefined;
  let retry: NodeJS.Timeout | undefined;
  const again = (why: string) => {
    if (stopped) return;
    log(`rpc etcd: ${rpcAddr}: ${why}; registering again in ${REGISTRY_DEFAULTS.retry} ms`);
    const old = lease;
    lease = undefined; // so that the old lease's other failures do not retry twice
    void old?.release(); // stops its keep-alives; a new lease replaces it
    retry = setTimeout(register, REGISTRY_DEFAULTS.retry).unref();
  };
  const register = () => {
    const current = client.lease(ttl); // keeps itself alive until revoked or released
    lease = current;
    current.on('lost', (err) => {
      if (lease === current) again(`lease lost (${err.message})`);
    });
    current
      .put(prefix + rpcAddr)
      .value(rpcAddr)
      .catch((err: Error) => {
        if (lease === current) again(`cannot register (${err.message})`);
      });
  };
  register();
  return {
    async stop() {
      if (stopped) return;
      stopped = true;
      clearTimeout(retry);
      await lease
        ?.revoke()
        .catch((err: Error) => log(`rpc etcd: ${rpcAddr}: revoke failed: ${err.message}`));
    },
  };
}
