import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY } from '../test-helpers.ts';
import { checkJsonShape, MAX_DEPTH, MAX_VALUES } from './depth.ts';

describe(`${DAY}: the JSON shape check`, () => {
  // 99-deep chains of arrays joined by commas: one comma per 99 arrays. Counting commas
  // alone let 8 MB of them through, to decode for 5 s into 222 MB.
  test('counts every container as a value, not only what follows a comma or a colon', () => {
    const chain = `${'['.repeat(MAX_DEPTH - 1)}${']'.repeat(MAX_DEPTH - 1)}`;
    const chains = (n: number) => Buffer.from(`[${Array(n).fill(chain).join(',')}]`);
    const over = Math.ceil((MAX_VALUES + 1) / (MAX_DEPTH - 1));
    assert.throws(() => checkJsonShape(chains(over)), /more than 100000 values/);
    assert.doesNotThrow(() => checkJsonShape(chains(Math.floor(over / 2))));
  });

  test('counts nothing inside strings, escaped quotes included', () => {
    const text = `"${'[{,:\\"'.repeat(MAX_VALUES)}"`;
    assert.doesNotThrow(() => checkJsonShape(Buffer.from(text)));
  });
});
