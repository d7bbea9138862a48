/**
 * What bounds each request to the registry, a heartbeat's or a discovery's: a time
 * limit, so that a registry that never answers costs one request, not all of them; and
 * no redirects, since a 301 or 302 turns a POST into a GET, which the registry answers
 * with 200: a beat that "succeeds" without registering anything. Added on day 7.
 */

/** The fetch() options that bound one request to `timeout` ms, with no redirects. */
export function bounded(timeout: number): RequestInit {
  return { signal: AbortSignal.timeout(timeout), redirect: 'error' };
}

/** A failed fetch()'s text: "fetch failed" says nothing; its `cause` says why. */
export function fetchFailure(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? err.cause.message : '';
  return cause === '' || err.message.includes(cause) ? err.message : `${err.message}: ${cause}`;
}
