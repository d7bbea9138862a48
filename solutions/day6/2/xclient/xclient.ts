/**
 * XClient: one client for many servers. Each call asks the discovery for a server and
 * goes to it over a connection kept per server; a broadcast goes to all of them.
 * Mirrors GeeRPC's xclient/xclient.go. Added on day 6; exercise 6.2 reports to the
 * discovery how each dial and call went.
 */
import { type Client, type DialOptions, xDial } from '../client.ts';
import { RpcError, ServerError, ShutdownError } from '../errors.ts';
import { untilAborted } from '../guard/abortable.ts';
import { checkSelectMode } from '../guard/discovery-input.ts';
import { LinkedController } from '../guard/linked-signal.ts';
import { closeUnlisted } from '../guard/unlisted-clients.ts';
import { type Discovery, SelectMode } from './discovery.ts';

/** What a caller can say about one call: its signal, and the key for ConsistentHash. */
export interface XCallOptions {
  signal?: AbortSignal;
  key?: string;
}

export class XClient {
  readonly #discovery: Discovery;
  readonly #mode: SelectMode;
  readonly #option: DialOptions;
  // rpcAddr -> its client, or the dial that will give it. Keeping the promise, not the
  // client, is what makes concurrent first calls to a server share one dial.
  readonly #clients = new Map<string, Promise<Client>>();
  #pending = 0; // calls started and not settled, dials included
  readonly #closing = new LinkedController(); // aborted by close(): ends dials in flight

  constructor(discovery: Discovery, mode: SelectMode, option: DialOptions = {}) {
    checkSelectMode(mode, SelectMode);
    this.#discovery = discovery;
    this.#mode = mode;
    this.#option = option;
  }

  /** Calls one server, the one the discovery picks, and resolves with its reply. */
  async call<Reply = unknown>(
    serviceMethod: string,
    args: unknown,
    { signal, key }: XCallOptions = {},
  ): Promise<Reply> {
    const rpcAddr = await this.#discovery.get(this.#mode, key);
    return this.#callAt<Reply>(rpcAddr, serviceMethod, args, signal);
  }

  /**
   * Calls every server at once. The first error fails the broadcast and gives up on the
   * calls still running (their signals fire); if all succeed, resolves with the reply
   * that came first.
   */
  async broadcast<Reply = unknown>(
    serviceMethod: string,
    args: unknown,
    { signal }: { signal?: AbortSignal } = {},
  ): Promise<Reply> {
    const servers = await this.#discovery.getAll();
    if (servers.length === 0) throw new RpcError('rpc xclient: no servers to broadcast to');
    const all = new LinkedController(signal); // fires with the caller's, or at the first error
    let first: { reply: Reply } | undefined;
    try {
      await Promise.all(
        servers.map(async (rpcAddr) => {
          try {
            const reply = await this.#callAt<Reply>(rpcAddr, serviceMethod, args, all.signal);
            first ??= { reply };
          } catch (err) {
            all.abort(err); // the others reject with this same error, now
            throw err;
          }
        }),
      );
    } finally {
      all.release();
    }
    return (first as { reply: Reply }).reply;
  }

  /** How many calls are under way, on all servers together (a broadcast counts one per server). */
  get pending(): number {
    return this.#pending;
  }

  /** Closes every connection; calls still running fail with ShutdownError. Safe to call twice. */
  async close(): Promise<void> {
    this.#closing.abort(new ShutdownError('rpc xclient: closed'));
    const dials = [...this.#clients.values()];
    this.#clients.clear();
    await Promise.allSettled(dials.map(async (dialing) => (await dialing).close()));
  }

  async #callAt<Reply>(
    rpcAddr: string,
    serviceMethod: string,
    args: unknown,
    signal: AbortSignal | undefined,
  ): Promise<Reply> {
    signal?.throwIfAborted(); // do not dial for a call that has been given up on
    this.#pending++;
    try {
      // The signal ends this call's wait for the dial, not the dial: other calls may be
      // waiting for the same connection.
      const client = await untilAborted(this.#dial(rpcAddr), signal);
      const reply = await client.call<Reply>(serviceMethod, args, { signal });
      this.#discovery.report?.(rpcAddr, true);
      return reply;
    } catch (err) {
      // A ServerError came from a server that is up. A call given up on, by its caller or
      // by close(), says nothing about the server. Anything else could not reach it.
      const ours = signal?.aborted || this.#closing.signal.aborted;
      if (!ours) this.#discovery.report?.(rpcAddr, err instanceof ServerError);
      throw err;
    } finally {
      this.#pending--;
    }
  }

  // The client of one server: the one we have, unless its connection is gone (the
  // server restarted, say), in which case it is replaced once, by whoever notices first.
  async #dial(rpcAddr: string): Promise<Client> {
    const known = this.#clients.get(rpcAddr);
    if (known !== undefined) {
      const client = await known; // a dial that fails fails every call that waited for it
      if (client.isAvailable()) return client;
      if (this.#clients.get(rpcAddr) === known) {
        this.#clients.delete(rpcAddr);
        void client.close();
      }
    }
    return this.#clients.get(rpcAddr) ?? this.#startDial(rpcAddr);
  }

  #startDial(rpcAddr: string): Promise<Client> {
    if (this.#closing.signal.aborted) return Promise.reject(this.#closing.signal.reason);
    const dialing = xDial(rpcAddr, { ...this.#option, signal: this.#closing.signal });
    this.#clients.set(rpcAddr, dialing);
    // A failed dial is forgotten, so that the next call tries again.
    dialing.catch(() => {
      if (this.#clients.get(rpcAddr) === dialing) this.#clients.delete(rpcAddr);
    });
    void closeUnlisted(this.#clients, this.#discovery, rpcAddr);
    return dialing;
  }
}
