/**
 * The base64-json encoding: JSON text, then base64. Nothing gains from it but the
 * lesson: a new codec is one file, its import and one line in codec.ts's `encodings`.
 * Solution to day 1's exercise 1.
 */

import type { Encoding } from './encoding.ts';
import { json } from './json.ts';

export const base64Json: Encoding = {
  encode(value) {
    return Buffer.from(json.encode(value)).toString('base64');
  },
  decode(bytes) {
    // Buffer.from(..., 'base64') skips what is not base64; json.decode still bounds depth.
    return json.decode(Buffer.from(bytes.toString('latin1'), 'base64'));
  },
};
