/**
 * Discovery from etcd: the list of servers under a key prefix, read once and then kept
 * current by a watch, so that a server that leaves (or whose lease runs out) is dropped
 * within milliseconds, with no polling. The same `Discovery` as day 6's: XClient does not
 * know which registry it has. Beyond day 7: the chapter's last section.
 */
import type { Etcd3, Watcher } from 'etcd3';
import { safeLog } from '../guard/log.ts';
import { REGISTRY_DEFAULTS } from '../guard/registry-options.ts';
import { isRpcAddr } from '../guard/rpc-addr.ts';
import { MultiServersDiscovery, type SelectMode } from '../xclient/discovery.ts';
import { DEFAULT_PREFIX } from './register.ts';

export interface EtcdDiscoveryOptions {
  prefix?: string;
  /** Where a lost connection to etcd is reported (default: stderr). */
  log?: (message: string) => void;
  random?: () => number;
}

export class EtcdDiscovery extends MultiServersDiscovery {
  readonly #client: Etcd3;
  readonly #prefix: string;
  readonly #log: (message: string) => void;
  readonly #servers = new Set<string>();
  readonly #ready: Promise<void>; // the first list, or the first failure to get it
  #watcher: Watcher | undefined;
  #retry: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(client: Etcd3, { prefix = DEFAULT_PREFIX, log, random }: EtcdDiscoveryOptions = {}) {
    super([], { random });
    this.#client = client;
    this.#prefix = prefix;
    this.#log = safeLog(log);
    this.#ready = this.#start();
  }

  /** Nothing to do: the watch keeps the list current. */
  override async refresh(): Promise<void> {}

  override async get(mode: SelectMode, key?: string): Promise<string> {
    await this.#ready;
    return super.get(mode, key);
  }

  override async getAll(): Promise<string[]> {
    await this.#ready;
    return super.getAll();
  }

  /** Ends the watch. */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    await this.#watcher?.cancel();
  }

  // Reads the list, then watches for changes from the revision just after it, so that
  // no change falls between the two. Never rejects: on failure it tries again later,
  // and the list (empty at first) keeps serving meanwhile.
  async #start(): Promise<void> {
    try {
      // Keys only: values are never used, and big ones (etcd answers up to 4 MiB) must not
      // stop the list from being read.
      const res = await this.#client.kv.range({
        key: Buffer.from(this.#prefix),
        range_end: prefixEnd(this.#prefix),
        keys_only: true,
      });
      this.#servers.clear(); // a fresh read, after a failure too
      for (const kv of res.kvs) this.#servers.add(kv.key.toString().slice(this.#prefix.length));
      this.#publish();
      const watcher = await this.#client
        .watch()
        .prefix(this.#prefix)
        .startRevision(String(Number(res.header.revision) + 1))
        .create();
      if (this.#closed) return void (await watcher.cancel());
      this.#watcher = watcher;
      watcher.on('put', (kv) => this.#change(kv.key.toString(), true));
      watcher.on('delete', (kv) => this.#change(kv.key.toString(), false));
      // The client reconnects by itself (every REGISTRY_DEFAULTS.retry, see etcdClient)
      // and replays what it missed; until then, say so, once per outage.
      let connected = true;
      watcher.on('connected', () => {
        connected = true;
      });
      watcher.on('disconnected', (err) => {
        if (!connected) return;
        connected = false;
        this.#log(`rpc etcd discovery: ${err.message}; still serving the last good list`);
      });
      // etcd cancels a watch whose start revision has been compacted away: then nothing
      // more would ever arrive. Read the list again and watch from there.
      watcher.on('error', (err) => {
        if (this.#watcher !== watcher || this.#closed) return;
        this.#watcher = undefined;
        void watcher.cancel().catch(() => {});
        this.#again(`watch ended: ${err.message}`);
      });
    } catch (err) {
      this.#again(`cannot list ${this.#prefix}: ${(err as Error).message}`);
    }
  }

  #again(why: string): void {
    if (this.#closed) return;
    this.#log(
      `rpc etcd discovery: ${why}; reading the list again in ${REGISTRY_DEFAULTS.retry} ms`,
    );
    this.#retry = setTimeout(() => void this.#start(), REGISTRY_DEFAULTS.retry).unref();
  }

  #change(key: string, listed: boolean): void {
    const addr = key.slice(this.#prefix.length);
    if (listed) this.#servers.add(addr);
    else this.#servers.delete(addr);
    this.#publish();
  }

  // A key whose name is not an rpcAddr (by GeeRegistry's rule) is skipped, not allowed
  // to break the list or to be called.
  #publish(): void {
    this.update([...this.#servers].filter(isRpcAddr).sort());
  }
}

// The first key after every key that starts with `prefix`: etcd's range end for a prefix.
function prefixEnd(prefix: string): Buffer {
  const end = Buffer.from(prefix);
  end[end.length - 1] = (end[end.length - 1] as number) + 1; // prefixes end in '/', not 0xff
  return end;
}
