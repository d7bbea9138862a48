/**
 * Tests of the safe logger: what a user's `log` throws never ends the process.
 * Added on day 1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { connectRaw, DAY, sendOption, startServer, unhandledRejections } from '../test-helpers.ts';
import { safeLog } from './log.ts';

describe(`${DAY}: safe log`, () => {
  test('a log function that throws is reported on stderr, not thrown', (t) => {
    const errors: string[] = [];
    t.mock.method(console, 'error', (message: string) => errors.push(message));
    const log = safeLog(() => {
      throw new Error('disk full');
    });
    log('rpc server: something');
    assert.deepEqual(errors, [
      'rpc server: something (and the log function threw: Error: disk full)',
    ]);
  });

  test('a server whose log throws keeps serving after a refusal it logs', async (t) => {
    t.mock.method(console, 'error', () => {});
    const rejections = unhandledRejections(t);
    const { port } = await startServer(t, {
      log: () => {
        throw new Error('disk full');
      },
    });
    const refused = await connectRaw(t, port);
    assert.match((await sendOption(refused, { magicNumber: 1 })).error, /invalid magic number/);
    const good = await connectRaw(t, port);
    assert.deepEqual(await sendOption(good), { error: '' });
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(rejections, []);
  });
});
