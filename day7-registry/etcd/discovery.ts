/**
 * Discovery from etcd: the list of servers under a key prefix, read once and then kept
 * current by a watch, so that a server that leaves (or whose lease runs out) is dropped
 * within milliseconds, with no polling. While the watch is down it keeps the last list
 * and keeps saying so; when the watch is back it reads the list afresh. The same
 * `Discovery` as day 6's: XClient does not know which registry it has. Beyond day 7.
 */
import type { Etcd3, Watcher } from 'etcd3';
import { safeLog } from '../guard/log.ts';
import { REGISTRY_DEFAULTS } from '../guard/registry-options.ts';
import { isRpcAddr } from '../guard/rpc-addr.ts';
import { StaleList } from '../guard/stale-list.ts';
import { MultiServersDiscovery, type SelectMode } from '../xclient/discovery.ts';
import { DEFAULT_PREFIX } from './register.ts';

export interface EtcdDiscoveryOptions {
  prefix?: string;
  /** Where a lost connection to etcd is reported (default: stderr). */
  log?: (message: string) => void;
  /** While the watch is down, how often to say so again, in ms (default 10 s). */
  staleReminder?: number;
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
  readonly #stale: StaleList;

  constructor(client: Etcd3, options: EtcdDiscoveryOptions = {}) {
    super([], { random: options.random });
    this.#client = client;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#log = safeLog(options.log);
    const every = options.staleReminder ?? REGISTRY_DEFAULTS.staleReminder;
    this.#stale = new StaleList((m) => this.#log(`rpc etcd discovery: ${m}`), every);
    this.#ready = this.#start();
  }

  /** How long the list has gone unconfirmed, in ms: 0 while the watch is up. */
  staleFor(): number {
    return this.#stale.age();
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
    this.#stale.close();
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
      if (this.#closed) return;
      this.#servers.clear(); // a fresh read, after a failure too
      for (const kv of res.kvs) this.#servers.add(kv.key.toString().slice(this.#prefix.length));
      this.#publish();
      this.#stale.confirmed(); // a read needs a quorum: the list is current as of now
      // watcher(), not create(): the watcher is ours (and close() can cancel it) before
      // etcd has confirmed it. One left waiting would make the client retry for ever.
      const watcher = this.#client
        .watch()
        .prefix(this.#prefix)
        .startRevision(String(Number(res.header.revision) + 1))
        .watcher();
      this.#watch(watcher);
    } catch (err) {
      this.#again(`cannot list ${this.#prefix}: ${(err as Error).message}`);
    }
  }

  #watch(watcher: Watcher): void {
    this.#watcher = watcher;
    // A watcher dropped for a fresh read may still deliver events older than that read.
    watcher.on('put', (kv) => this.#watcher === watcher && this.#change(kv.key.toString(), true));
    watcher.on(
      'delete',
      (kv) => this.#watcher === watcher && this.#change(kv.key.toString(), false),
    );
    // The client reconnects by itself (every REGISTRY_DEFAULTS.retry, see etcdClient).
    // Meanwhile the list may be stale: say so until the watch is back, then read the list
    // afresh rather than trust the replay (etcd may have lost its data, or compacted).
    watcher.on('disconnected', (err) => {
      if (this.#watcher === watcher && !this.#closed)
        this.#stale.lost(`watch lost: ${err.message}`);
    });
    let first = true;
    watcher.on('connected', () => {
      if (!first && this.#drop(watcher)) void this.#start();
      first = false;
    });
    // etcd cancels a watch whose start revision has been compacted away: then nothing
    // more would ever arrive. Read the list again and watch from there.
    watcher.on('error', (err) => {
      if (this.#drop(watcher)) this.#again(`watch ended: ${err.message}`);
    });
  }

  // Cancels `watcher` if it is still the one in use; says whether it was.
  #drop(watcher: Watcher): boolean {
    if (this.#watcher !== watcher || this.#closed) return false;
    this.#watcher = undefined;
    void watcher.cancel().catch(() => {});
    return true;
  }

  // Reports the list as unconfirmed (once, then every staleReminder), and reads it again
  // after REGISTRY_DEFAULTS.retry.
  #again(why: string): void {
    if (this.#closed) return;
    this.#stale.lost(why);
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
