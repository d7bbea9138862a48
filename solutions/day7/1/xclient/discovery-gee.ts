/**
 * Discovery from the registry: the list of servers comes from GeeRegistry, fetched
 * again when it is older than `timeout`. Mirrors GeeRPC's xclient/discovery_gee.go.
 * Added on day 7; exercise 7.1 keeps one GET open at the registry instead of polling,
 * and hears of a change as soon as the registry does.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { EmptyList } from '../guard/empty-list.ts';
import { safeLog } from '../guard/log.ts';
import { REGISTRY_DEFAULTS } from '../guard/registry-options.ts';
import { MAX_HOLD, registryRequest } from '../registry/registry.ts';
import { MultiServersDiscovery, type SelectMode, type ServerEntry } from './discovery.ts';

export interface GeeRegistryDiscoveryOptions {
  /** How long one fetch of the list may take, in ms (default 5 s). */
  requestTimeout?: number;
  /** Where a failed fetch is reported (default: stderr). */
  log?: (message: string) => void;
  random?: () => number;
  /** Keep a GET open at the registry, answered when the list changes, instead of polling. */
  watch?: boolean;
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
  #version: string | undefined; // the list's version, as the registry numbers it
  #watching: Promise<void> | undefined; // the loop that keeps a GET open
  readonly #closing = new AbortController();
  readonly #watch: boolean;

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
    this.#watch = options.watch ?? false;
  }

  /** Stops watching the registry. Safe to call twice. */
  async close(): Promise<void> {
    this.#closing.abort();
    await this.#watching;
  }

  /** Fetches the list if it is stale. One fetch at a time, however many calls wait for it. */
  override async refresh(): Promise<void> {
    if (this.#watching !== undefined || performance.now() < this.#nextRefresh) return;
    // #fetchList never rejects: then() is finally() here, and drops its boolean.
    this.#refreshing ??= this.#fetchList().then(() => {
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
    if (this.#watch) this.#watching ??= refreshing.then(() => this.#watchList());
    if (this.#listed === 0) await refreshing;
  }

  // One GET at a time, naming the version we have: the registry answers when the list
  // moves past it, or after MAX_HOLD with the same list, and we ask again at once.
  async #watchList(): Promise<void> {
    const signal = this.#closing.signal;
    while (!signal.aborted) {
      const query = this.#version === undefined ? '' : `?version=${this.#version}`;
      const timeout = MAX_HOLD + this.#requestTimeout; // longer than the hold
      // Without a version, a held GET would come back at once, again and again: wait.
      if ((await this.#fetchList(query, timeout)) && this.#version !== undefined) continue;
      await sleep(REGISTRY_DEFAULTS.retry, undefined, { signal, ref: false }).catch(() => {});
    }
  }

  // Never rejects. On failure the list we have keeps serving, and the next try waits a
  // second, so that a registry that is down is not asked by every call.
  async #fetchList(query = '', timeout = this.#requestTimeout): Promise<boolean> {
    try {
      const headers = await registryRequest(this.#registryUrl + query, 'GET', {
        timeout,
        signal: this.#closing.signal,
      });
      const list = headers.get('X-Geerpc-Servers');
      if (list === null) throw new Error(`${this.#registryUrl} sent no X-Geerpc-Servers header`);
      this.#version = headers.get('X-Geerpc-Version') ?? undefined;
      const servers = list.split(',').filter((addr) => addr !== '');
      if (this.#empty.disbelieves(servers.length, this.#listed)) {
        throw new Error(`${this.#registryUrl} lists no server (restarted?)`);
      }
      this.update(servers);
      return true;
    } catch (err) {
      if (this.#closing.signal.aborted) return false;
      this.#nextRefresh = performance.now() + Math.min(this.#timeout, REGISTRY_DEFAULTS.retry);
      const servers = this.#listed === 1 ? '1 server' : `${this.#listed} servers`;
      this.#log(`${(err as Error).message}; still serving the last good list (${servers})`);
      return false;
    }
  }
}
