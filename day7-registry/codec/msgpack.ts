/**
 * The MessagePack encoding: binary, compact, fast; what you would pick in production.
 * Plays the part of GeeRPC's gob codec (codec/gob.go). Added on day 1.
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { checkDepth, type Encoding, MAX_DEPTH } from './encoding.ts';

// One Encoder and one Decoder for the whole process: the library's plain encode() and
// decode() build new ones on every call, which makes small messages about 3× slower.
// Both are synchronous, so sharing them across connections is safe.
const encoder = new Encoder({ maxDepth: MAX_DEPTH });
let decoder = new Decoder();

export const msgpack: Encoding = {
  encode: (value) => encoder.encode(value), // a copy, not a view of the encoder's buffer
  decode(bytes) {
    try {
      const value = decoder.decode(bytes); // keeps its own stack: deep input cannot crash it
      checkDepth(value);
      return value;
    } catch (err) {
      // The decoder keeps the stack it grew for a value until its next decode: for a
      // 16 MiB frame of nesting, gigabytes. After any failure, drop it with the decoder.
      // (Decoding such a frame still takes seconds: a lower maxFrameSize is the defence.)
      decoder = new Decoder();
      throw err;
    }
  },
};
