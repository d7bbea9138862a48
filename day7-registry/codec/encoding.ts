/**
 * What every encoding (JSON, MessagePack, YAML) promises, and the limit they all keep
 * on untrusted input. Its own file so that codec.ts and each codec file import it
 * without importing each other. Added on day 1.
 */

/**
 * How one format turns a single value into bytes and back. A text format may return
 * a string from `encode`: the frame writer then puts its UTF-8 bytes straight into
 * the message's buffer, instead of copying a buffer made only to be copied.
 */
export interface Encoding {
  encode(value: unknown): Uint8Array | string;
  /** Throws for bytes that are not one valid value, or nest deeper than MAX_DEPTH. */
  decode(bytes: Buffer): unknown;
}

/**
 * How deeply arrays and objects may nest in a decoded value: 100, MessagePack's own
 * encoding limit. A parser that recurses can be crashed by nesting alone (YAML's was,
 * by 1,000 `[`), and no honest message nests this deep.
 */
export const MAX_DEPTH = 100;

export class DepthError extends Error {
  override name = 'DepthError';
}

/** Throws DepthError when `value` nests deeper than MAX_DEPTH; recursion stops there too. */
export function checkDepth(value: unknown, depth = 1): void {
  if (typeof value !== 'object' || value === null) return;
  if (depth > MAX_DEPTH) throw new DepthError(`value nests deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) {
    for (const item of value) checkDepth(item, depth + 1);
  } else {
    for (const key in value) checkDepth((value as Record<string, unknown>)[key], depth + 1);
  }
}
