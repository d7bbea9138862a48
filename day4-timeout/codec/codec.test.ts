/**
 * Tests of the codecs, each over a real loopback connection: round trips, streams split
 * at every byte, and what cannot be encoded or decoded. Added on day 1.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { describe, type TestContext, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { DAY } from '../test-helpers.ts';
import { type Codec, type CodecType, encodings, type Header, newCodecFuncMap } from './codec.ts';
import { encodeFrames, FrameReader, whenClosed } from './frame.ts';
import { json } from './json.ts';

const codecTypes = Object.keys(encodings) as CodecType[];

const bodies: unknown[] = [
  'geerpc req 1',
  42,
  -1.5,
  0,
  true,
  null,
  [1, 'two', [3]],
  { num1: 1, nested: { list: [{ deep: 'yes' }], empty: {} } },
  'héllo wörld, 你好, 😀',
  '',
];

/** Two codecs of the given type on either end of a loopback connection, and a's socket. */
async function codecPair(t: TestContext, type: CodecType): Promise<[Codec, Codec, net.Socket]> {
  const listener = net.createServer();
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const accepted = once(listener, 'connection') as Promise<[net.Socket]>;
  const client = net.connect((listener.address() as net.AddressInfo).port, '127.0.0.1');
  const [server] = await accepted;
  t.after(async () => {
    client.destroy();
    server.destroy();
    await Promise.all([whenClosed(client), whenClosed(server)]);
    await new Promise((resolve) => listener.close(resolve));
  });
  const make = newCodecFuncMap[type];
  return [make(client, new FrameReader(client)), make(server, new FrameReader(server)), client];
}

describe(`${DAY}: codecs`, () => {
  for (const type of codecTypes) {
    test(`${type} round-trips headers and bodies of every shape`, async (t) => {
      const [a, b] = await codecPair(t, type);
      bodies.forEach((body, i) => {
        a.write({ serviceMethod: 'Foo.Sum', seq: i + 1, error: '' }, body);
      });
      for (const [i, body] of bodies.entries()) {
        assert.deepEqual(await b.readHeader(), { serviceMethod: 'Foo.Sum', seq: i + 1, error: '' });
        assert.deepEqual(await b.readBody(), body);
      }
    });

    test(`${type} sends a reply of undefined as null and stays in step`, async (t) => {
      const [a, b] = await codecPair(t, type);
      a.write({ serviceMethod: 'Foo.Nothing', seq: 1, error: '' }, undefined);
      a.write({ serviceMethod: 'Foo.Sum', seq: 2, error: 'boom: 100% failed' }, null);
      assert.equal((await b.readHeader())?.seq, 1);
      assert.equal(await b.readBody(), null);
      assert.deepEqual(await b.readHeader(), {
        serviceMethod: 'Foo.Sum',
        seq: 2,
        error: 'boom: 100% failed',
      });
      assert.equal(await b.readBody(), null);
    });

    test(`${type} decodes the same messages from a stream split at every byte boundary`, async () => {
      const messages = bodies.map((body, i): [Header, unknown] => [
        { serviceMethod: 'Foo.Sum', seq: i + 1, error: '' },
        body,
      ]);
      const encoding = encodings[type];
      const wire = encodeFrames(
        ...messages.flatMap(([h, body]) => [encoding.encode(h), encoding.encode(body)]),
      );
      const decodeAll = async (parts: Buffer[]) => {
        const reader = new FrameReader(Readable.from(parts));
        const out: unknown[] = [];
        for (let frame = await reader.read(); frame !== null; frame = await reader.read()) {
          out.push(encoding.decode(frame));
        }
        return out;
      };
      const expected = messages.flat();
      assert.deepEqual(await decodeAll([wire]), expected);
      for (let cut = 0; cut <= wire.length; cut++) {
        const got = await decodeAll([wire.subarray(0, cut), wire.subarray(cut)]);
        assert.deepEqual(got, expected, `split at byte ${cut}`);
      }
    });

    test(`${type} rejects a header that is not {serviceMethod, seq, error}`, async (t) => {
      const [a, b] = await codecPair(t, type);
      a.write({ serviceMethod: 'Foo.Sum', seq: 'one' } as unknown as Header, null);
      await assert.rejects(b.readHeader(), { name: 'CodecError', message: /malformed header/ });
    });

    test(`${type} refuses to encode what it cannot, and sends nothing`, async (t) => {
      const [a, b] = await codecPair(t, type);
      const unencodable = Symbol('no codec can encode this');
      assert.throws(() => a.write({ serviceMethod: 'Foo.Sum', seq: 1, error: '' }, unencodable));
      a.write({ serviceMethod: 'Foo.Sum', seq: 2, error: '' }, 'still in step');
      assert.equal((await b.readHeader())?.seq, 2);
      assert.equal(await b.readBody(), 'still in step');
    });
  }

  // The read loops' fast path (chapter 1's sidebar on a promise per frame).
  test('tryRead() takes a header and its body only once both are here whole', async (t) => {
    const [, , socket] = await codecPair(t, 'application/json');
    const wire = new PassThrough();
    const b = newCodecFuncMap['application/json'](socket, new FrameReader(wire));
    const h: Header = { serviceMethod: 'Foo.Sum', seq: 1, error: '' };
    const message = encodeFrames(json.encode(h), json.encode('body'));
    for (const seq of [1, 2]) {
      wire.write(message.subarray(0, message.length - 1));
      await tick();
      assert.equal(b.tryRead(), undefined); // and nothing is taken: readHeader() still has it
      wire.write(message.subarray(message.length - 1));
      await tick();
      if (seq === 1) assert.deepEqual(b.tryRead(), { h, body: 'body' });
      else assert.deepEqual([await b.readHeader(), await b.readBody()], [h, 'body']);
    }
  });

  test('tryRead() returns a body that does not decode as its error, and stays in step', async (t) => {
    const [, , socket] = await codecPair(t, 'application/json');
    const wire = new PassThrough();
    const b = newCodecFuncMap['application/json'](socket, new FrameReader(wire));
    const h: Header = { serviceMethod: 'Foo.Sum', seq: 1, error: '' };
    wire.write(encodeFrames(json.encode(h), Buffer.from('{not json')));
    wire.write(encodeFrames(json.encode({ ...h, seq: 2 }), json.encode('fine')));
    await tick();
    const bad = b.tryRead();
    assert.deepEqual([bad?.h, bad?.body, bad?.error?.name], [h, null, 'CodecError']);
    assert.deepEqual(b.tryRead(), { h: { ...h, seq: 2 }, body: 'fine' });
  });

  test('a frame that is not valid in its codec is a CodecError', async (t) => {
    const [, b, socket] = await codecPair(t, 'application/json');
    socket.write(encodeFrames(Buffer.from('{"serviceMethod": "Foo.Sum", "seq": 1, ')));
    await assert.rejects(b.readHeader(), { name: 'CodecError', message: /cannot decode/ });
  });

  test('a header with no body after it, then the end of the stream, is a FrameError', async (t) => {
    const [, b, socket] = await codecPair(t, 'application/json');
    socket.end(encodeFrames(json.encode({ serviceMethod: 'Foo.Sum', seq: 1, error: '' })));
    assert.equal((await b.readHeader())?.seq, 1);
    await assert.rejects(b.readBody(), {
      name: 'FrameError',
      message: /between a header and its body/,
    });
  });
});
