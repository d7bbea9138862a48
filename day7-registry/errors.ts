/**
 * What a call can fail with, as a small hierarchy so that callers can tell the cases
 * apart with `instanceof`. Mirrors GeeRPC's ServerError string and ErrShutdown.
 * Added on day 2.
 */

/** The base of every error the framework itself reports. */
export class RpcError extends Error {
  override name = 'RpcError';
}

/** The server answered the call with an error. The message is the server's text, verbatim. */
export class ServerError extends RpcError {
  override name = 'ServerError';
}

/** The client was closed, or its connection was lost; `cause` says how, when known. */
export class ShutdownError extends RpcError {
  override name = 'ShutdownError';
}

/** `dial` did not finish (connect and handshake) within the option's connectTimeout. */
export class TimeoutError extends RpcError {
  override name = 'TimeoutError';
}
