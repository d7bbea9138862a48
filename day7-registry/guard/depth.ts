/**
 * How deeply a decoded value may nest, and the checks that keep every codec to it.
 * A parser that recurses can be crashed by nesting alone (YAML's was, by 1,000 `[`),
 * and no honest message nests this deep. Added on day 1.
 */

/** The deepest nesting of arrays and objects a codec accepts: 100, MessagePack's own limit. */
export const MAX_DEPTH = 100;

export class DepthError extends Error {
  override name = 'DepthError';
}

export const tooDeep = () => new DepthError(`value nests deeper than ${MAX_DEPTH} levels`);

const [QUOTE, BACKSLASH, OPEN_ARRAY, OPEN_OBJECT, CLOSE_ARRAY, CLOSE_OBJECT] = [...'"\\[{]}'].map(
  (c) => c.charCodeAt(0),
);

/**
 * Counts JSON's brackets outside strings, before JSON.parse sees the bytes. JSON.parse
 * would not crash on deep input, but 16 MiB of `[` kept it busy for 7 s while every
 * other client waited; this loop refuses them in milliseconds.
 */
export function checkJsonDepth(bytes: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    if (inString) {
      if (byte === BACKSLASH)
        i++; // skip the escaped character, a quote included
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) inString = true;
    else if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      if (++depth > MAX_DEPTH) throw tooDeep();
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
}
