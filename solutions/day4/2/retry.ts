/**
 * A call that survives a lost connection: dial again and retry, within a budget of
 * attempts and the caller's signal. Sits above the client, as a caller's helper.
 * Solution to day 4's exercise 2.
 */
import type { Client } from './client.ts';
import { ShutdownError } from './errors.ts';

export interface RetryOptions {
  /** Calls to make at most, the first one included. */
  attempts: number;
  /** Bounds every attempt and the whole; once it fires, no attempt starts. */
  signal?: AbortSignal;
}

/** `client.call` on a client from `connect()`, dialled again after a lost connection. */
export async function callWithRetry<Reply = unknown>(
  connect: () => Promise<Client>,
  serviceMethod: string,
  args: unknown,
  { attempts, signal }: RetryOptions,
): Promise<Reply> {
  for (let attempt = 1; ; attempt++) {
    signal?.throwIfAborted();
    const client = await connect();
    try {
      return await client.call<Reply>(serviceMethod, args, { signal });
    } catch (err) {
      // Only a lost connection is worth another try. A ServerError is the server's
      // answer (it did the work, or refused to); a fired signal is the caller's answer.
      if (signal?.aborted) throw signal.reason;
      if (!(err instanceof ShutdownError) || attempt >= attempts) throw err;
    } finally {
      await client.close();
    }
  }
}
