/**
 * A MessagePack decoder that never allocates more than its input can fill. The library
 * makes an array as soon as it reads its length, so a 5-byte header may announce 2^32
 * elements, and nested ones multiply. So each frame is first walked, without building
 * anything: every container must fit the bytes left and nest at most MAX_DEPTH levels,
 * and the frame may hold at most MAX_VALUES values. Only then is it decoded. Added on day 1.
 */
import { Decoder } from '@msgpack/msgpack';
import { MAX_DEPTH, MAX_VALUES, tooDeep, tooMany } from './depth.ts';

export class BoundedDecoder {
  readonly #decoder = new Decoder();

  /** Decodes one value; throws for bytes that are not one, or past MAX_DEPTH or MAX_VALUES. */
  decode(bytes: Buffer): unknown {
    checkShape(bytes);
    return this.#decoder.decode(bytes);
  }
}

// Walks the values in `bytes` with a stack of counts (values still due at each level),
// checking lengths against what is left. Every announced element must then exist, one
// byte at least, so the decoded value has no more elements than the frame has bytes,
// and no more than MAX_VALUES.
function checkShape(bytes: Buffer): void {
  const due = [1];
  let at = 0;
  let values = 0;
  while (due.length > 0) {
    const level = due.length - 1;
    if (due[level] === 0) {
      due.pop();
      continue;
    }
    due[level]--;
    if (++values > MAX_VALUES) throw tooMany();
    if (at >= bytes.length) throw new RangeError('MessagePack value ends early');
    const [size, items] = head(bytes, at);
    at += size;
    if (at > bytes.length) throw new RangeError('MessagePack value ends early');
    if (items >= 0) {
      if (items > bytes.length - at)
        throw new RangeError(`${items} elements in ${bytes.length - at} bytes`);
      if (due.length > MAX_DEPTH) throw tooDeep();
      due.push(items);
    }
  }
}

// The value at `at`: its size in bytes when it is a scalar (items -1), or the size of a
// container's header and the number of values in it. A size past the end means "ends early".
function head(bytes: Buffer, at: number): [size: number, items: number] {
  const b = bytes[at] as number;
  if (b <= 0x7f || b >= 0xe0) return [1, -1]; // fixint
  if (b <= 0x8f) return [1, (b & 0x0f) * 2]; // fixmap: keys and values
  if (b <= 0x9f) return [1, b & 0x0f]; // fixarray
  if (b <= 0xbf) return [1 + (b & 0x1f), -1]; // fixstr
  const type = TYPES[b - 0xc0];
  if (type === 0 || type === undefined) throw new RangeError('invalid MessagePack byte 0xc1');
  if (typeof type === 'number') return [type, -1];
  const [lengthBytes, extra, perItem] = type;
  if (at + 1 + lengthBytes > bytes.length) return [bytes.length + 1, -1];
  const n = bytes.readUIntBE(at + 1, lengthBytes);
  return perItem === 0 ? [1 + lengthBytes + extra + n, -1] : [1 + lengthBytes, n * perItem];
}

// The types 0xc0-0xdf: a size that the first byte alone gives, or the bytes of a length,
// the bytes between it and the payload (an ext's type), and values per counted item
// (0: a payload of that many bytes; 1: an array's elements; 2: a map's keys and values).
// biome-ignore format: a table, one kind of type per line
const TYPES: (number | [lengthBytes: number, extra: number, perItem: number])[] = [
  1, 0, 1, 1, //                              c0-c3 nil, (never used), false, true
  [1, 0, 0], [2, 0, 0], [4, 0, 0], //         c4-c6 bin 8/16/32
  [1, 1, 0], [2, 1, 0], [4, 1, 0], //         c7-c9 ext 8/16/32
  5, 9, 2, 3, 5, 9, 2, 3, 5, 9, //            ca-d3 float 32/64, uint 8-64, int 8-64
  3, 4, 6, 10, 18, //                         d4-d8 fixext 1-16
  [1, 0, 0], [2, 0, 0], [4, 0, 0], //         d9-db str 8/16/32
  [2, 0, 1], [4, 0, 1], [2, 0, 2], [4, 0, 2], // dc-df array 16/32, map 16/32
];
