/**
 * The YAML encoding: slow and verbose, here to prove that a codec is one small file.
 * Added on day 1.
 */
import { parse, stringify } from 'yaml';
import type { Encoding } from './codec.ts';

export const yaml: Encoding = {
  encode: (value) => Buffer.from(stringify(value)),
  decode: (bytes) => parse(bytes.toString('utf8')),
};
