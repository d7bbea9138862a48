/**
 * A MessagePack decoder that keeps its output to MAX_DEPTH levels and forgets what a
 * failed decode cost it. Added on day 1.
 */
import { Decoder } from '@msgpack/msgpack';
import { checkDepth } from './depth.ts';

export class BoundedDecoder {
  #decoder = new Decoder();

  /** Decodes one value; throws for bytes that are not one, or nest deeper than MAX_DEPTH. */
  decode(bytes: Buffer): unknown {
    try {
      const value = this.#decoder.decode(bytes); // keeps its own stack: nesting cannot crash it
      checkDepth(value);
      return value;
    } catch (err) {
      // The decoder keeps the stack it grew for a value until its next decode: for a
      // 16 MiB frame of nesting, gigabytes. After any failure, drop it with the decoder.
      this.#decoder = new Decoder();
      throw err;
    }
  }
}
