/**
 * The context a handler gets beside its argument (service.ts's CallContext), made only
 * as far as the handler uses it. Go hands every call a context.Context; here an
 * AbortController per call would cost more than the rest of the call, and most methods
 * never look at their signal. So the controller is made when `signal` is first read.
 * Added on day 4, for the handle timeout and the connection's close.
 */
import { setMaxListeners } from 'node:events';
import type { CallContext } from './service.ts';

/** A CallContext whose AbortController is made on first use; `onAbort` hears the abort either way. */
export class LazyContext implements CallContext {
  readonly #onAbort: (reason: unknown) => void;
  #controller: AbortController | undefined;
  #aborted: { reason: unknown } | undefined;

  constructor(onAbort: (reason: unknown) => void = () => {}) {
    this.#onAbort = onAbort;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      setMaxListeners(0, this.#controller.signal); // every handler of a connection may listen
      if (this.#aborted) this.#controller.abort(this.#aborted.reason);
    }
    return this.#controller.signal;
  }

  /** Fires the signal (now, or when it is made) and calls `onAbort`; only the first time counts. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = { reason };
    this.#controller?.abort(reason);
    this.#onAbort(reason);
  }
}
