/**
 * The JSON encoding: readable on the wire, understood everywhere, the default.
 * Plays the part of GeeRPC's codec/gob.go (GeeRPC ships gob; JSON is our default
 * because a learner can read it in a trace). Added on day 1.
 */
import { DepthError, type Encoding, MAX_DEPTH } from './encoding.ts';

export const json: Encoding = {
  encode(value) {
    const text = JSON.stringify(value);
    // JSON.stringify returns undefined, not an error, for a function or a symbol.
    if (text === undefined) throw new TypeError(`JSON cannot encode a ${typeof value}`);
    return text;
  },
  decode(bytes) {
    checkJsonDepth(bytes);
    return JSON.parse(bytes.toString('utf8'));
  },
};

const [QUOTE, BACKSLASH, OPEN_ARRAY, OPEN_OBJECT, CLOSE_ARRAY, CLOSE_OBJECT] = [...'"\\[{]}'].map(
  (c) => c.charCodeAt(0),
);

// Counts brackets outside strings, before JSON.parse sees the bytes. JSON.parse would
// not crash on deep input, but 16 MiB of `[` kept it busy for 7 s, and every other
// client waited; this loop refuses them in milliseconds.
function checkJsonDepth(bytes: Buffer): void {
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
      if (++depth > MAX_DEPTH) throw new DepthError(`value nests deeper than ${MAX_DEPTH} levels`);
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth--;
  }
}
