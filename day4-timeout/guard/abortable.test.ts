/**
 * Tests of the signal over a wait that is not the call itself: on its own, and bounding
 * a call's wait for 'drain' behind backpressure. Added on day 4.
 */
import assert from 'node:assert/strict';
import { getEventListeners, once } from 'node:events';
import net from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newClient } from '../client.ts';
import { encodeFrames } from '../codec/frame.ts';
import { DEFAULT_OPTION } from '../protocol.ts';
import { DAY } from '../test-helpers.ts';
import { untilAborted } from './abortable.ts';

// A server that accepts the option, then reads nothing more: our writes back up.
async function deafServer(t: TestContext): Promise<net.Socket> {
  const listener = net.createServer((conn) => {
    conn.on('error', () => {});
    conn.once('data', () => conn.pause()); // the option, then no more reading
    conn.write(encodeFrames('{"error":""}'));
  });
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const conn = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  t.after(() => {
    conn.destroy();
    listener.close();
  });
  await once(conn, 'connect');
  return conn;
}

describe(`${DAY}: a signal over a wait (guard/abortable.ts)`, () => {
  test('settles as the work does, and leaves no listener on the signal', async () => {
    const { signal } = new AbortController();
    assert.equal(await untilAborted(Promise.resolve('done'), signal), 'done');
    await assert.rejects(untilAborted(Promise.reject(new Error('failed')), signal), /failed/);
    assert.equal(getEventListeners(signal, 'abort').length, 0);
  });

  test("rejects with the signal's reason when it fires first, or has fired already", async () => {
    const controller = new AbortController();
    const reason = new Error('given up');
    const never = new Promise<never>(() => {});
    const waiting = untilAborted(never, controller.signal);
    controller.abort(reason);
    await assert.rejects(waiting, (err) => err === reason);
    await assert.rejects(untilAborted(never, AbortSignal.abort(reason)), (err) => err === reason);
  });

  test('ends a call that waits for drain behind backpressure, within its signal', async (t) => {
    const conn = await deafServer(t);
    const client = await newClient(conn, { ...DEFAULT_OPTION });
    t.after(() => client.close());
    const stuck: Promise<unknown>[] = [];
    const big = 'x'.repeat(256 * 1024);
    while (conn.writableLength <= 1024 * 1024) {
      stuck.push(client.call('Foo.Sum', big).catch(() => {}));
      await sleep(5);
    }
    const call = client.call('Foo.Sum', 1, { signal: AbortSignal.timeout(20) });
    const outcome = await Promise.race([
      call.then(
        () => 'replied',
        (err) => err.name,
      ),
      sleep(500),
    ]);
    assert.equal(outcome, 'TimeoutError', 'the signal ended the wait for drain');
    await client.close();
    await Promise.all(stuck);
  });
});
