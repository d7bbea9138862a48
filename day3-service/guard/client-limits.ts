/**
 * The numbers that bound a client, in one place. Added on day 2, with the bound on
 * what a client may buffer for a server that stops reading.
 */

/**
 * Unsent request bytes past which a call waits for 'drain' before it sends: 1 MiB.
 * The check and the write must happen in one synchronous run (client.ts does both in
 * call()); with an await in between, every waiting call would pass the check at once.
 */
export const MAX_UNSENT_BYTES = 1024 * 1024;
