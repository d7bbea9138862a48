/**
 * The numbers that bound a client, in one place. Added on day 2, with the bound on
 * what a client may buffer for a server that stops reading; day 4 added the settings
 * `dial` takes beside the Option, and the check of the option's connectTimeout.
 */
import { DEFAULT_MAX_FRAME_SIZE } from '../codec/frame.ts';
import { RpcError } from '../errors.ts';
import type { Option } from '../protocol.ts';
import { isTimeout, notATimeout } from './timeout.ts';

/**
 * Unsent request bytes past which a call waits for 'drain' before it sends: 1 MiB.
 * The check and the write must happen in one synchronous run (client.ts does both in
 * call()); with an await in between, every waiting call would pass the check at once.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;

/** Every setting of a client that stays on its side of the wire, with its default. */
export const CLIENT_DEFAULTS = {
  /** The largest reply frame this client reads, in bytes: 16 MiB. */
  maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
};

/** The option's connectTimeout, if a timer can honour it; throws RpcError if not. */
export function connectTimeout(option: Option): number {
  const ms: unknown = option.connectTimeout;
  if (!isTimeout(ms)) throw new RpcError(`rpc client: ${notATimeout('connectTimeout', ms)}`);
  return ms;
}
