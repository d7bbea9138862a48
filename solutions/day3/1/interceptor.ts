/**
 * Interceptors: code that runs around every call a server handles, in one chain, for
 * what every method needs and none should repeat (checks, logs, auth, metrics).
 * `server.use(interceptor)` adds one; `#handleRequest` runs the chain. Go's net/rpc has
 * none; gRPC's UnaryServerInterceptor is the model. Day 3, exercise 1.
 */

/** One call, as an interceptor sees it. `argv` may be replaced before passing it on. */
export interface Invocation {
  serviceMethod: string;
  seq: number;
  argv: unknown;
}

/** The rest of the chain, ending in the method: resolves with the reply. */
export type Handler = (inv: Invocation) => Promise<unknown>;

/**
 * Runs around a call: calls `next(inv)` to go on, or throws to answer the call with an
 * error instead (the method then never runs). What it returns is the reply.
 */
export type ServerInterceptor = (inv: Invocation, next: Handler) => Promise<unknown>;

/** `last` wrapped in the interceptors: the first one runs outermost, as it was added. */
export function chain(interceptors: readonly ServerInterceptor[], last: Handler): Handler {
  return interceptors.reduceRight<Handler>(
    (next, interceptor) => async (inv) => await interceptor(inv, next),
    last,
  );
}

/** What is wrong with a method's argument, or undefined when nothing is. */
export type Check = (args: unknown) => string | undefined;

/**
 * Exercise 1 as it was first set, now one interceptor among others: refuses a call whose
 * argument fails its method's check, before the method runs. `checks` is keyed by
 * "Service.method".
 */
export function validate(checks: Readonly<Record<string, Check>>): ServerInterceptor {
  return async (inv, next) => {
    const check = Object.hasOwn(checks, inv.serviceMethod) ? checks[inv.serviceMethod] : undefined;
    const wrong = check?.(inv.argv);
    if (wrong !== undefined) {
      throw new Error(`rpc server: invalid args for ${inv.serviceMethod}: ${wrong}`);
    }
    return next(inv);
  };
}
