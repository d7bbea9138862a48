/**
 * Tests of what a YAML body may decode to: only what JSON could carry, whatever its
 * `%YAML` directive, its tags or its aliases ask for. Added on day 1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { yaml } from '../codec/yaml.ts';
import { DAY } from '../test-helpers.ts';

const decode = (text: string) => yaml.decode(Buffer.from(text));

describe(`${DAY}: YAML bounds`, () => {
  test('a %YAML 1.1 document decodes as 1.2 core: no Set, Map, bytes, Date or merge key', () => {
    for (const tagged of [
      '!!set {a, b}',
      '!!omap [a: 1]',
      '!!binary aGk=',
      '!!timestamp 2001-12-14',
      '!foo bar',
    ]) {
      assert.throws(() => decode(`%YAML 1.1\n---\n${tagged}`), /Unresolved tag/, tagged);
    }
    assert.deepEqual(decode('%YAML 1.1\n---\n[2001-12-14, yes, 0x1f]'), ['2001-12-14', 'yes', 31]);
    assert.deepEqual(decode('%YAML 1.1\n---\n<<: {a: 1}\nb: 2'), { '<<': { a: 1 }, b: 2 });
  });

  test('an alias is refused (&a [*a] would contain itself); shared objects are written out in full', () => {
    assert.throws(() => decode('&a [*a]'), /aliases are not accepted/);
    assert.throws(() => decode('a: &x [1]\nb: *x'), /aliases are not accepted/);
    const shared = { n: 1 };
    assert.deepEqual(decode(String(yaml.encode({ p: shared, q: shared }))), {
      p: { n: 1 },
      q: { n: 1 },
    });
  });
});
