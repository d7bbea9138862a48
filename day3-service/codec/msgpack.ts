/**
 * The MessagePack encoding: binary, compact, fast; what you would pick in production.
 * Plays the part of GeeRPC's gob codec (codec/gob.go). Added on day 1.
 */
import { Encoder } from '@msgpack/msgpack';
import { MAX_DEPTH } from '../guard/depth.ts';
import { BoundedDecoder } from '../guard/msgpack-decoder.ts';
import type { Encoding } from './encoding.ts';

// One encoder and one decoder for the whole process: the library's plain encode() and
// decode() build new ones on every call, which costs more than a small message itself.
// Both are synchronous, so sharing them across connections is safe.
const encoder = new Encoder({ maxDepth: MAX_DEPTH });
const decoder = new BoundedDecoder();

export const msgpack: Encoding = {
  encode: (value) => encoder.encode(value), // a copy, not a view of the encoder's buffer
  decode: (bytes) => decoder.decode(bytes),
};
