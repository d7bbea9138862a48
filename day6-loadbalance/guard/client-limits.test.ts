/**
 * Tests of the client's own settings: the largest reply frame it reads, and the check
 * of the connectTimeout it is given. Added on day 4.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dial } from '../client.ts';
import { DAY, startServer } from '../test-helpers.ts';

describe(`${DAY}: client settings (guard/client-limits.ts)`, () => {
  test("dial's maxFrameSize bounds the replies the client reads, and names the setting", async (t) => {
    const { port } = await startServer(t);
    const client = await dial('tcp', `127.0.0.1:${port}`, { maxFrameSize: 100 });
    t.after(() => client.close());
    await assert.rejects(client.call('Foo.Sum', 'x'.repeat(200)), {
      name: 'ShutdownError',
      message: /exceeds maxFrameSize \(100 bytes\); raise the maxFrameSize option/,
    });
  });

  test('dial refuses a connectTimeout that a timer cannot honour, before it connects', async () => {
    for (const [connectTimeout, got] of [
      [-1, '-1'],
      [2 ** 31, '2147483648'],
      ['100', '"100"'],
    ] as const) {
      await assert.rejects(
        // Port 9 (discard): were a connection tried, this would fail another way.
        dial('tcp', '127.0.0.1:9', { connectTimeout: connectTimeout as number }),
        {
          name: 'RpcError',
          message: `rpc client: connectTimeout must be a number of ms from 0 to 2147483647, got ${got}`,
        },
      );
    }
  });
});
