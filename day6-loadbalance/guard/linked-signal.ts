/**
 * The signals an XClient aborts: close()'s, which every dial in flight listens to, and a
 * broadcast's, which every call of it listens to. No cap on their listeners (Node warns
 * past 10, and each listener is removed as its dial or call ends), and a broadcast lets
 * go of its caller's signal when it ends, so that a long-lived signal (a process's
 * shutdown, say) does not collect one per broadcast. Added on day 6.
 */
import { setMaxListeners } from 'node:events';

/** An AbortController that also aborts when `parent` does, until `release()`. */
export class LinkedController extends AbortController {
  readonly #parent: AbortSignal | undefined;
  readonly #follow = () => this.abort(this.#parent?.reason);

  constructor(parent?: AbortSignal) {
    super();
    setMaxListeners(0, this.signal);
    this.#parent = parent;
    if (parent?.aborted) this.#follow();
    // Not AbortSignal.any: on Node 20 a parent keeps every signal it was combined into.
    parent?.addEventListener('abort', this.#follow, { once: true });
  }

  /** Stops following the parent: it keeps no reference to this controller. */
  release(): void {
    this.#parent?.removeEventListener('abort', this.#follow);
  }
}
