/**
 * How deeply a decoded value may nest and how many values one frame may hold, and the
 * checks that keep every codec to both. A parser that recurses can be crashed by nesting
 * alone (YAML's was, by 1,000 `[`), and tiny containers decode to far more memory and
 * time than their bytes (`{}` is 1 byte of MessagePack, 64 of heap). Added on day 1.
 */

/** The deepest nesting of arrays and objects a codec accepts: 100, MessagePack's own limit. */
export const MAX_DEPTH = 100;

export class DepthError extends Error {
  override name = 'DepthError';
}

export const tooDeep = () => new DepthError(`value nests deeper than ${MAX_DEPTH} levels`);

/**
 * The most values (containers, elements, keys) one frame may decode to: 100,000. Each
 * costs at most about 70 bytes and a microsecond, so no frame stalls the process for
 * long; more than this in one call wants fewer, larger values (a string, a binary).
 */
export const MAX_VALUES = 100_000;

export const tooMany = () => new DepthError(`value holds more than ${MAX_VALUES} values`);

const [QUOTE, BACKSLASH, OPEN_ARRAY, OPEN_OBJECT, CLOSE_ARRAY, CLOSE_OBJECT, COMMA, COLON] = [
  ...'"\\[{]},:',
].map((c) => c.charCodeAt(0));

/**
 * Counts JSON's brackets, commas and colons outside strings, before JSON.parse sees the
 * bytes: its depth, and its values (every container opens with a bracket; every other
 * value but the first of a container follows a comma or a colon). JSON.parse would not crash, but 16 MiB of `[` or of `{},` kept it
 * busy for seconds while every other client waited; this loop refuses them at once.
 */
export function checkJsonShape(bytes: Buffer): void {
  let depth = 0;
  let values = 0;
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
      if (++values > MAX_VALUES) throw tooMany(); // a container is a value too: [[[]]],…
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
    else if ((byte === COMMA || byte === COLON) && ++values > MAX_VALUES) throw tooMany();
  }
}
