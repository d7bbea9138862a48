/**
 * Every number of the registry a user may tune, once, with its default: how long a
 * server stays listed, how often it beats, how long a request may take, how soon a
 * failure is tried again, how big the list may grow, how often a stale list is reported.
 * registry/, xclient/discovery-gee.ts and etcd/ read them. Added on day 7.
 */

export const REGISTRY_DEFAULTS = {
  /** How long a server stays listed after its last heartbeat, in ms: 5 minutes (0 = forever). */
  timeout: 5 * 60_000,
  /** How often a server beats, in ms: the timeout less a minute, so one late beat is not fatal. */
  heartbeatInterval: 4 * 60_000,
  /** How long one request of a heartbeat (its POST, or the DELETE of stop()) may take: 10 s. */
  beatTimeout: 10_000,
  /** After a failed beat or a failed fetch of the list, how long until the next try: 1 s. */
  retry: 1_000,
  /** How old a client's list may grow before a call fetches it again, in ms: 10 s. */
  updateTimeout: 10_000,
  /** How long one fetch of the list may take, in ms: 5 s. */
  fetchTimeout: 5_000,
  /** The most bytes the list may take: it travels in one response header. 12 KiB. */
  maxListBytes: 12 * 1024,
  /** How long a client keeps its last list while the registry lists nobody: 5 minutes. */
  emptyGrace: 5 * 60_000,
  /** How long a connection to the registry may stay silent before it is closed: 10 s. */
  idleTimeout: 10_000,
  /** While etcd discovery's watch is down, how often it says its list is unconfirmed: 10 s. */
  staleReminder: 10_000,
};

/** Throws unless `timeout` is a registry's timeout: 0 (never expire) or more ms. */
export function checkTimeout(timeout: number): void {
  if (!Number.isFinite(timeout) || timeout < 0) {
    throw new TypeError(`rpc registry: timeout must be 0 (never) or more ms, got ${timeout}`);
  }
}

/** Throws unless a timer can keep `interval`: 1 to 2^31-1 ms. */
export function checkInterval(interval: number): void {
  if (!Number.isSafeInteger(interval) || interval < 1 || interval > 2 ** 31 - 1) {
    throw new TypeError(`rpc registry: heartbeat interval must be 1 to 2^31-1 ms, got ${interval}`);
  }
}
