/**
 * What a YAML payload may cost before it is decoded. The library's composer recurses
 * once per level of nesting: deep enough input overflowed the stack or, worse, made V8
 * abort the whole process, where no catch can help. So yaml.ts parses to a syntax tree
 * first (iteratively), this file checks its depth, and only then is it composed, as
 * YAML 1.2's core schema whatever the document asks for. Added on day 1.
 */
import type { DocumentOptions, SchemaOptions } from 'yaml';
import { MAX_DEPTH, tooDeep } from './depth.ts';

/**
 * The largest YAML payload decoded: 8 KiB. The syntax tree costs about 500 bytes of
 * memory per token, so 1 MiB of `[` took 543 MB and 4.5 s to parse, and even 64 KiB
 * took up to 0.8 s. YAML is here to be read by people, not to carry bulk data.
 */
export const MAX_YAML_BYTES = 8 * 1024;

const COLLECTIONS = new Set(['block-map', 'block-seq', 'flow-collection']);

/**
 * How yaml.ts composes: YAML 1.2's core schema even under a `%YAML 1.1` directive, with
 * no custom tags and no merge keys, so that no document decodes to a Set, a Map, a Date
 * or bytes (1.1's !!set, !!omap, timestamps, !!binary); an unknown tag is an error.
 */
export const YAML_AS_JSON: DocumentOptions & SchemaOptions = {
  version: '1.2',
  schema: 'core',
  customTags: [],
  resolveKnownTags: false,
  merge: false,
  logLevel: 'error', // a key that is a collection is made a string, without a process warning
};

export function checkYamlSize(bytes: Buffer): void {
  if (bytes.length > MAX_YAML_BYTES) {
    throw new RangeError(`YAML payload of ${bytes.length} bytes exceeds ${MAX_YAML_BYTES}`);
  }
}

/**
 * Walks the syntax tree with a stack of its own, not recursion, counting collections.
 * An alias is refused: `&a [*a]` decodes to an object that contains itself, which no
 * handler expects (and no JSON could send), and aliases of aliases multiply.
 */
export function checkYamlTokens(tokens: unknown[]): void {
  const stack: [unknown, number][] = tokens.map((token) => [token, 0]);
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [node, outer] = next;
    if (typeof node !== 'object' || node === null) continue;
    const { type = '' } = node as { type?: string };
    if (type === 'alias') throw new SyntaxError('YAML aliases are not accepted');
    const depth = COLLECTIONS.has(type) ? outer + 1 : outer;
    if (depth > MAX_DEPTH) throw tooDeep();
    for (const child of Object.values(node)) stack.push([child, depth]);
  }
}
