/**
 * Every number a server operator may tune, once, with its default: the bounds that keep
 * one careless or hostile client from costing the others their calls. server.ts reads
 * them; each is explained in the chapter's sidebars. Added on day 1; day 4 added
 * handshakeTimeout, maxHandleTimeout and idleTimeout.
 */
import { DEFAULT_MAX_FRAME_SIZE } from '../codec/frame.ts';

export const SERVER_DEFAULTS = {
  /** The largest frame this server reads, in bytes: 16 MiB. */
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
  /** What all connections together may hold of large frames not yet read: 64 MiB. */
  maxBufferedBytes: 64 * 1024 * 1024,
  /** Unsent reply bytes past which a connection is not read until they drain: 1 MiB. */
  maxUnsentBytes: 1024 * 1024,
  /** Requests of one connection handled at once; past it, no more are read: 256. */
  maxInFlight: 256,
  /** The frame bytes of those requests, together; past it, no more are read: 4 MiB. */
  maxInFlightBytes: 4 * 1024 * 1024,
  /** The same for all connections together: 16 MiB (a connection waiting to read may add one more). */
  maxServerInFlightBytes: 16 * 1024 * 1024,
  /** Connections open at once; past it, new ones are closed unread. No limit by default:
   *  set it below the process's file-descriptor limit. */
  maxConnections: Number.POSITIVE_INFINITY,
  /** How long a client that has ended its side may wait for its replies: 10 s. */
  closeTimeout: 10_000,
  /** How long a new connection has to send its option, in ms (0 = no limit): 10 s. */
  handshakeTimeout: 10_000,
  /** The longest any handler may run, in ms, whatever a client asks (0 = no cap): none. */
  maxHandleTimeout: 0,
  /**
   * How long a connection may sit with no byte in or out and no request being handled
   * before the server closes it, in ms (0 = never): off by default, since a request sent
   * as the server closes is lost, and Go's net/rpc has no such bound.
   */
  idleTimeout: 0,
};

export type ServerLimits = typeof SERVER_DEFAULTS;

export type ServerOptions = Partial<ServerLimits> & {
  /** Where the server reports what goes wrong on a connection (default: stderr). */
  log?: (message: string) => void;
  /** A token every connection's Option must carry (exercise 4); without one, none is asked. */
  token?: string;
};

/** The defaults, overridden by every option that is set (an `undefined` one keeps its default). */
export function serverLimits(options: ServerOptions): ServerLimits {
  const limits = { ...SERVER_DEFAULTS };
  for (const key of Object.keys(limits) as (keyof ServerLimits)[]) {
    limits[key] = options[key] ?? limits[key];
  }
  return limits;
}
