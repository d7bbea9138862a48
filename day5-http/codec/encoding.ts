/**
 * What every encoding (JSON, MessagePack, YAML) promises. Its own file so that codec.ts
 * and each codec file import it without importing each other. Added on day 1.
 */

/**
 * How one format turns a single value into bytes and back. A text format may return
 * a string from `encode`: the frame writer puts its UTF-8 bytes straight into the
 * message's buffer. `decode` throws for bytes that are not one valid value.
 */
export interface Encoding {
  encode(value: unknown): Uint8Array | string;
  decode(bytes: Buffer): unknown;
}
