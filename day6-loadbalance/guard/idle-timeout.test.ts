/**
 * Tests of the server's idle timeout: a connection with no byte either way and nothing
 * being handled for `idleTimeout` is closed; one in use is not. Added on day 4.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { dial } from '../client.ts';
import { newCodecFuncMap } from '../codec/codec.ts';
import { whenClosed } from '../codec/frame.ts';
import { connectRaw, DAY, sendOption, startServer } from '../test-helpers.ts';

class Nap {
  async nap(ms: number): Promise<string> {
    await sleep(ms);
    return `slept ${ms} ms`;
  }

  make(bytes: number): string {
    return 'z'.repeat(bytes);
  }
}

// A client of a server whose idleTimeout is `ms`, the server's end of it, and when it connected.
async function connected(t: TestContext, ms: number) {
  const { server, port, conns } = await startServer(t, { idleTimeout: ms });
  server.register(new Nap());
  const started = performance.now();
  const client = await dial('tcp', `127.0.0.1:${port}`);
  t.after(() => client.close());
  return { client, conn: conns.at(-1) as Socket, started };
}

describe(`${DAY}: idle timeout (guard/idle-timeout.ts)`, () => {
  test('idleTimeout closes a connection that sends nothing and waits on nothing for that long', async (t) => {
    const { client, conn, started } = await connected(t, 50);
    const closed = whenClosed(conn).then(() => 'closed');
    assert.equal(await Promise.race([closed, sleep(1000, 'still open', { ref: false })]), 'closed');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 45 && elapsed < 1000, `closed after ${elapsed} ms, not about 50`);
    await sleep(10); // the client notices the close on its next turn
    assert.equal(client.isAvailable(), false);
  });

  test('idleTimeout keeps a client that calls every 10 ms, and one whose call outlasts it', async (t) => {
    // 200 ms, twenty times the busy client's pace: a loaded machine may pause a process.
    const [busy, slow] = await Promise.all([connected(t, 200), connected(t, 200)]);
    let napped = false;
    const napping = slow.client.call('Nap.nap', 400).finally(() => {
      napped = true;
    });
    for (let i = 0; !napped; i++) {
      assert.deepEqual(await busy.client.call('Foo.Sum', i), { echo: i });
      await sleep(10);
    }
    assert.equal(await napping, 'slept 400 ms');
    assert.equal(busy.client.isAvailable(), true, 'the busy client was closed');
    assert.equal(slow.client.isAvailable(), true, 'the client waiting on a handler was closed');
  });

  test('idleTimeout does not cut off a reply the client is still reading', async (t) => {
    // A unix socket: its kernel buffers are small, so a 4 MiB reply waits in the server's
    // socket until the client reads it, with no byte leaving meanwhile.
    const dir = mkdtempSync(join(tmpdir(), 'geerpc-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'rpc.sock');
    const { server } = await startServer(t, { idleTimeout: 50 }, path);
    server.register(new Nap());
    const raw = await connectRaw(t, path);
    assert.deepEqual(await sendOption(raw), { error: '' });
    const cc = newCodecFuncMap['application/json'](raw.conn, raw.reader);
    cc.write({ serviceMethod: 'Nap.make', seq: 1, error: '' }, 4 * 1024 * 1024);
    await sleep(300); // six idle timeouts, while the reply waits to be read
    assert.equal((await cc.readHeader())?.seq, 1);
    assert.equal(((await cc.readBody()) as string).length, 4 * 1024 * 1024);
  });
});
