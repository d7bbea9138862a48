/**
 * Discovery from the registry: the list of servers comes from GeeRegistry, fetched
 * again when it is older than `timeout`. Mirrors GeeRPC's xclient/discovery_gee.go.
 * Added on day 7.
 */
import { DEFAULT_TIMEOUT, RETRY_MS, registryRequest } from '../registry/registry.ts';
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
  #nextRefresh = 0; // when the list is stale, by performance.now() (0: never fetched)
  #listed = 0; // how many servers the list holds
  #answering = true; // whether the last fetch succeeded
  #emptySince: number | undefined; // when the registry first answered with no server
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
    if (performance.now() < this.#nextRefresh) return;
    this.#refreshing ??= this.#fetchList().finally(() => {
      this.#refreshing = undefined;
    });
    return this.#refreshing;
  }

  /** Replaces the list by hand; it counts as fresh for `timeout`, as a fetched one does. */
  override update(servers: readonly ServerEntry[]): void {
    super.update(servers);
    this.#listed = servers.length;
    this.#nextRefresh = performance.now() + this.#timeout;
  }

  override async get(mode: SelectMode, key?: string): Promise<string> {
    await this.#fresh();
    return super.get(mode, key);
  }

  override async getAll(): Promise<string[]> {
    await this.#fresh();
    return super.getAll();
  }

  // A call waits for a stale list to be fetched, so that it never goes to a server that
  // has left, unless the registry failed last time: then the list in hand serves at once
  // while the fetch runs beside it. A registry that hangs costs one call its
  // requestTimeout, not every call.
  async #fresh(): Promise<void> {
    const refreshing = this.refresh();
    if (this.#listed === 0 || this.#answering) await refreshing;
  }

  // Never rejects. On failure, the list we have keeps serving (GeeRPC returns the error to
  // every call instead), and the next try waits a second, so that a registry that is
  // down is not asked by every call. An empty list from a registry that listed servers a
  // moment ago is taken for a registry that has just restarted and not yet heard the
  // heartbeats: the last good list is kept until the registry lists someone again, or
  // for DEFAULT_TIMEOUT at most.
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
      if (servers.length > 0 || this.#listed === 0) this.#emptySince = undefined;
      else {
        // Believed only after a registry timeout's worth of empty answers: by then every
        // live server has beaten at least once.
        this.#emptySince ??= performance.now();
        if (performance.now() - this.#emptySince < DEFAULT_TIMEOUT) {
          throw new Error(`${this.#registryUrl} lists no server (restarted?)`);
        }
      }
      this.update(servers);
      this.#answering = true;
    } catch (err) {
      this.#answering = false;
      this.#nextRefresh = performance.now() + Math.min(this.#timeout, RETRY_MS);
      const servers = this.#listed === 1 ? '1 server' : `${this.#listed} servers`;
      this.#log(`${(err as Error).message}; still serving the last good list (${servers})`);
    }
  }
}
