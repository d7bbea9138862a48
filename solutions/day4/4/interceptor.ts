/**
 * Client interceptors: code that runs around every `client.call` (and so every stub
 * call), in one chain, for what every call needs and no caller should repeat (logs,
 * metrics, a default deadline). `client.use(interceptor)` adds one. gRPC's
 * UnaryClientInterceptor is the model. Day 4, exercise 4.
 */
import type { CallOptions } from './client.ts';

/** One call, as an interceptor sees it. Any field may be replaced before passing it on. */
export interface Invocation {
  serviceMethod: string;
  args: unknown;
  options: CallOptions;
}

/** The rest of the chain, ending in the call itself: resolves with the reply. */
export type Invoker = (inv: Invocation) => Promise<unknown>;

/**
 * Runs around a call: calls `next(inv)` to go on (more than once to retry), or throws
 * to fail the call without sending it. What it returns is the reply.
 */
export type ClientInterceptor = (inv: Invocation, next: Invoker) => Promise<unknown>;

/** `last` wrapped in the interceptors: the first one runs outermost, as it was added. */
export function chain(interceptors: readonly ClientInterceptor[], last: Invoker): Invoker {
  return interceptors.reduceRight<Invoker>(
    (next, interceptor) => async (inv) => await interceptor(inv, next),
    last,
  );
}

/**
 * A deadline for every call that comes without a signal: gRPC sets none by default, and
 * advises you to always set one. A caller's own signal is left as it is.
 */
export function defaultDeadline(ms: number): ClientInterceptor {
  return (inv, next) =>
    next(
      inv.options.signal !== undefined
        ? inv
        : { ...inv, options: { ...inv.options, signal: AbortSignal.timeout(ms) } },
    );
}
