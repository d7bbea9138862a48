/**
 * A caller's signal over a wait that is not the call itself: `untilAborted(work, signal)`
 * settles as `work` does, or rejects with the signal's reason once it fires, and takes
 * its listener off the signal either way. call() waits for 'drain' through it, so that
 * a signal also bounds the wait behind backpressure. Added on day 4.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason);
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
  });
}
