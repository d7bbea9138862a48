/**
 * Error texts built from what a peer sent or a handler threw: they must never throw
 * themselves, and never grow with the input. Added on day 1.
 */

/**
 * The text of whatever was thrown. It never throws, whatever it is given (an object
 * without a prototype, a toString that throws): a request whose handler threw would
 * otherwise get no response at all.
 */
export function messageOf(err: unknown): string {
  try {
    return String(err instanceof Error ? err.message : err);
  } catch {
    return 'a value that cannot be shown as text';
  }
}

/** A name from the peer, as an error text quotes it: at most 100 characters. */
export function clip(name: string): string {
  return name.length > 100 ? `${name.slice(0, 100)}... (${name.length} characters)` : name;
}
