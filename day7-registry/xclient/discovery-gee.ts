/**
 * Discovery from the registry: the list of servers comes from GeeRegistry, fetched
 * again when it is older than `timeout`. Mirrors GeeRPC's xclient/discovery_gee.go.
 * Added on day 7.
 */
import { EmptyList } from '../guard/empty-list.ts';
import { safeLog } from '../guard/log.ts';
import { REGISTRY_DEFAULTS } from '../guard/registry-options.ts';
import { registryRequest } from '../registry/registry.ts';
import { MultiServersDiscovery, type SelectMode, type ServerEntry } from './discovery.ts';

export interface GeeRegistryDiscoveryOptions {
  /** How long one fetch of the list may take, in ms (default 5 s). */
  requestTimeout?: number;
  /** Where a failed fetch is reported (default: stderr). */
  log?: (message: string) => void;
  random?: () => number;
}

/** A MultiServersDiscovery whose list is the registry's, at most `timeout` ms old (default 10 s). */
export class GeeRegistryDiscovery extends MultiServersDiscovery {
  readonly #registryUrl: string;
  readonly #timeout: number;
  readonly #requestTimeout: number;
  readonly #log: (message: string) => void;
  #nextRefresh = 0; // when the list is stale, by performance.now() (0: never fetched)
  #listed = 0; // how many servers the list holds
  #refreshing: Promise<void> | undefined; // the one fetch in flight, shared by all callers
  readonly #empty = new EmptyList(REGISTRY_DEFAULTS.emptyGrace);

  constructor(
    registryUrl: string,
    timeout = REGISTRY_DEFAULTS.updateTimeout,
    options: GeeRegistryDiscoveryOptions = {},
  ) {
    super([], { random: options.random });
    this.#registryUrl = registryUrl;
    this.#timeout = timeout;
    this.#requestTimeout = options.requestTimeout ?? REGISTRY_DEFAULTS.fetchTimeout;
    this.#log = safeLog(options.log);
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

  // Only a client that has no list yet waits for the registry. Once it has one, a stale
  // list is fetched again beside the calls, which go on with the list in hand: a slow
  // registry must not stall every call at every refresh.
  async #fresh(): Promise<void> {
    const refreshing = this.refresh();
    if (this.#listed === 0) await refreshing;
  }

  // Never rejects. On failure the list we have keeps serving, and the next try waits a
  // second, so that a registry that is down is not asked by every call.
  async #fetchList(): Promise<void> {
    try {
      const headers = await registryRequest(this.#registryUrl, 'GET', {
        timeout: this.#requestTimeout,
      });
      const list = headers.get('X-Geerpc-Servers');
      if (list === null) throw new Error(`${this.#registryUrl} sent no X-Geerpc-Servers header`);
      const servers = list.split(',').filter((addr) => addr !== '');
      if (this.#empty.disbelieves(servers.length, this.#listed)) {
        throw new Error(`${this.#registryUrl} lists no server (restarted?)`);
      }
      this.update(servers);
    } catch (err) {
      this.#nextRefresh = performance.now() + Math.min(this.#timeout, REGISTRY_DEFAULTS.retry);
      const servers = this.#listed === 1 ? '1 server' : `${this.#listed} servers`;
      this.#log(`${(err as Error).message}; still serving the last good list (${servers})`);
    }
  }
}
