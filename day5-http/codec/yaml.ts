/**
 * The YAML encoding: slow and verbose, here to prove that a codec is one small file.
 * It decodes in two steps, parse then compose, so that the syntax tree's depth can be
 * checked in between (guard/yaml-bounds.ts says why). It reads every document as YAML
 * 1.2's core schema, so that it decodes to what JSON could carry. Added on day 1.
 */
import { Composer, Parser, stringify } from 'yaml';
import { checkYamlSize, checkYamlTokens, YAML_AS_JSON } from '../guard/yaml-bounds.ts';
import type { Encoding } from './encoding.ts';

export const yaml: Encoding = {
  encode: (value) => stringify(value, { aliasDuplicateObjects: false }), // the decoder takes no aliases
  decode(bytes) {
    checkYamlSize(bytes);
    const tokens = [...new Parser().parse(bytes.toString('utf8'))];
    checkYamlTokens(tokens);
    const docs = [...new Composer(YAML_AS_JSON).compose(tokens, true)];
    const [doc] = docs;
    if (doc === undefined || docs.length > 1) throw new SyntaxError('want one YAML document');
    const [error] = [...doc.errors, ...doc.warnings]; // a warning: a tag we do not resolve
    if (error !== undefined) throw error;
    return doc.toJS();
  },
};
