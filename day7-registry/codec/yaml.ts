/**
 * The YAML encoding: slow and verbose, here to prove that a codec is one small file.
 * Added on day 1. It decodes in two steps, because the library's composer recurses
 * once per level of nesting: deep enough input overflowed the stack or, worse, made
 * V8 abort the whole process, where no catch can help. So the input is first parsed
 * into a syntax tree (iteratively), its depth checked, and only then composed.
 */
import { Composer, Parser, stringify } from 'yaml';
import { DepthError, type Encoding, MAX_DEPTH } from './encoding.ts';

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * The largest YAML payload decoded: 8 KiB. The syntax tree costs about 500 bytes of
 * memory per token, so 1 MiB of `[` took 543 MB and 4.5 s to parse, and even 64 KiB
 * took up to 0.8 s. YAML is here to be read by people, not to carry bulk data.
 */
export const MAX_YAML_BYTES = 8 * 1024;

export const yaml: Encoding = {
  encode: (value) => stringify(value),
  decode(bytes) {
    if (bytes.length > MAX_YAML_BYTES) {
      throw new RangeError(`YAML payload of ${bytes.length} bytes exceeds ${MAX_YAML_BYTES}`);
    }
    const tokens = [...new Parser().parse(bytes.toString('utf8'))];
    checkSyntaxDepth(tokens);
    const docs = [...new Composer().compose(tokens, true)];
    const [doc] = docs;
    if (doc === undefined || docs.length > 1) throw new SyntaxError('want one YAML document');
    const [error] = doc.errors;
    if (error !== undefined) throw error;
    return doc.toJS();
  },
};

// Walks the syntax tree with a stack of its own, not recursion, counting collections.
function checkSyntaxDepth(tokens: unknown[]): void {
  const stack: [unknown, number][] = tokens.map((token) => [token, 0]);
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, outer] = next;
    if (typeof node !== 'object' || node === null) continue;
    const depth = COLLECTIONS.has((node as { type?: string }).type ?? '') ? outer + 1 : outer;
    if (depth > MAX_DEPTH) throw new DepthError(`value nests deeper than ${MAX_DEPTH} levels`);
    for (const child of Object.values(node)) stack.push([child, depth]);
  }
}
