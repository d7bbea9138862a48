/**
 * A logger that cannot take the framework down. The server logs from places where a
 * throw has nowhere to go (a connection's last catch, a handler that was not awaited),
 * so a user's `log` that throws would end the process. Added on day 1; day 7's
 * heartbeat and discovery use it too.
 */

/** `log` (stderr by default), called so that whatever it throws goes to stderr instead. */
export function safeLog(log?: (message: string) => void): (message: string) => void {
  if (log === undefined) return (message) => console.error(message);
  return (message) => {
    try {
      log(message);
    } catch (err) {
      console.error(`${message} (and the log function threw: ${String(err)})`);
    }
  };
}
