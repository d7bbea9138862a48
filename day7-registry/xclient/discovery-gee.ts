/**
 * Discovery from the registry: the list of servers comes from GeeRegistry, fetched
 * again when it is older than `timeout`. Mirrors GeeRPC's xclient/discovery_gee.go.
 * Added on day 7.
 */
import { RETRY_MS, registryRequest } from '../registry/registry.ts';
import { MultiServersDiscovery, type SelectMode, type ServerEntry } from './discovery.ts';

/** How old the list may grow before a call fetches it again, in ms (10 s). */
export const DEFAULT_UPDATE_TIMEOUT = 10_000;

export interface GeeRegistryDiscoveryOptions {
  /** How long one fetch of the list may take, in ms (default 5 s). */
  requestTimeout?: number;
  /** Where a failed fetch is reported (default: stderr). */
  log?: (message: string) => void;
  random?: () => number;
}

export class GeeRegistryDiscovery extends MultiServersDiscovery {
  readonly #registryUrl: string;
  readonly #timeout: number;
  readonly #requestTimeout: number;
  readonly #log: (message: string) => void;
  #nextRefresh = 0; // when the list is stale (0: it has never been fetched)
  #refreshing: Promise<void> | undefined; // the one fetch in flight, shared by all callers

  constructor(
    registryUrl: string,
    timeout = DEFAULT_UPDATE_TIMEOUT,
    { requestTimeout = 5_000, log = console.error, random }: GeeRegistryDiscoveryOptions = {},
  ) {
    super([], { random });
    this.#registryUrl = registryUrl;
    this.#timeout = timeout;
    this.#requestTimeout = requestTimeout;
    this.#log = log;
  }

  /** Fetches the list if it is stale. One fetch at a time, however many calls wait for it. */
  override async refresh(): Promise<void> {
    if (Date.now() < this.#nextRefresh) return;
    this.#refreshing ??= this.#fetchList().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Replaces the list by hand; it counts as fresh for `timeout`, as a fetched one does. */
  override update(servers: readonly ServerEntry[]): void {
    super.update(servers);
    this.#nextRefresh = Date.now() + this.#timeout;
  }

  override async get(mode: SelectMode, key?: string): Promise<string> {
    await this.refresh();
    return super.get(mode, key);
  }

  override async getAll(): Promise<string[]> {
    await this.refresh();
    return super.getAll();
  }

  // Never rejects. On failure, the list we have keeps serving (GeeRPC returns the error to
  // every call instead), and the next try waits a second, so that a registry that is
  // down is not asked by every call. An empty list from a registry that listed servers a
  // moment ago is taken for a registry that has just restarted and not yet heard the
  // heartbeats: the last good list is kept until the registry lists someone again.
  async #fetchList(): Promise<void> {
    try {
      const headers = await registryRequest(
        this.#registryUrl,
        'GET',
        undefined,
        this.#requestTimeout,
      );
      const list = headers.get('X-Geerpc-Servers');
      if (list === null) throw new Error(`${this.#registryUrl} sent no X-Geerpc-Servers header`);
      const servers = list.split(',').filter((addr) => addr !== '');
      const count = await this.#count();
      if (servers.length === 0 && count > 0) {
        throw new Error(`${this.#registryUrl} lists no server (restarted?)`);
      }
      this.update(servers);
    } catch (err) {
      this.#nextRefresh = Date.now() + Math.min(this.#timeout, RETRY_MS);
      const count = await this.#count();
      const servers = count === 1 ? '1 server' : `${count} servers`;
      this.#log(`${(err as Error).message}; still serving the last good list (${servers})`);
    }
  }

  // How many servers the list we have holds (no fetch: super's getAll, not ours).
  async #count(): Promise<number> {
    return super.getAll().then(
      (all) => all.length,
      () => 0,
    );
  }
}
