/**
 * The JSON encoding: readable on the wire, understood everywhere, the default.
 * Plays the part of GeeRPC's codec/gob.go (GeeRPC ships gob; JSON is our default
 * because a learner can read it in a trace). Added on day 1.
 */
import { checkJsonShape } from '../guard/depth.ts';
import type { Encoding } from './encoding.ts';

export const json: Encoding = {
  encode(value) {
    const text = JSON.stringify(value);
    // JSON.stringify returns undefined, not an error, for a function or a symbol.
    if (text === undefined) throw new TypeError(`JSON cannot encode a ${typeof value}`);
    return text;
  },
  decode(bytes) {
    checkJsonShape(bytes);
    return JSON.parse(bytes.toString('utf8'));
  },
};
