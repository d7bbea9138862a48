/**
 * Fuzzing the day 7 server in a process of its own, while a well-behaved client keeps
 * calling it: random bytes, junk frames, truncated frames, huge lengths, frames in the
 * wrong codec, deep nesting in every codec, junk HTTP. Seeded: `FUZZ_SEED=N` replays a
 * run, `FUZZ_ITERATIONS=N` makes it longer (default 2,000 connections).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { xDial } from '../day7-registry/client.ts';
import { encodings } from '../day7-registry/codec/codec.ts';
import { encodeFrames } from '../day7-registry/codec/frame.ts';
import { DEFAULT_OPTION } from '../day7-registry/server.ts';
import { seeded, setting, startServerProcess } from './helpers.ts';

const SEED = setting('FUZZ_SEED', 20261125);
const ITERATIONS = setting('FUZZ_ITERATIONS', 2000);
const CODECS = Object.keys(encodings) as (keyof typeof encodings)[];

type Random = () => number;
const int = (random: Random, n: number) => Math.floor(random() * n);
const bytes = (random: Random, n: number) =>
  Buffer.from(Array.from({ length: n }, () => int(random, 256)));
const option = (codecType: string) =>
  encodeFrames(Buffer.from(JSON.stringify({ ...DEFAULT_OPTION, codecType })));

function nested(depth: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

// One hostile connection's bytes, and which port it goes to.
function attack(random: Random): { bytes: Buffer; http: boolean; kind: string } {
  const codec = CODECS[int(random, CODECS.length)] as keyof typeof encodings;
  const enc = encodings[codec];
  const header = { serviceMethod: 'Foo.echo', seq: int(random, 1e6), error: '' };
  switch (int(random, 10)) {
    case 0:
      return { kind: 'random bytes', http: false, bytes: bytes(random, 1 + int(random, 2000)) };
    case 1: {
      const frames = Array.from({ length: 1 + int(random, 6) }, () =>
        bytes(random, int(random, 4096)),
      );
      return {
        kind: 'junk frames',
        http: false,
        bytes: Buffer.concat([option(codec), encodeFrames(...frames)]),
      };
    }
    case 2: {
      const whole = encodeFrames(
        Buffer.from(enc.encode(header)),
        Buffer.from(enc.encode({ n: 1 })),
      );
      return {
        kind: 'truncated',
        http: false,
        bytes: Buffer.concat([option(codec), whole.subarray(0, int(random, whole.length))]),
      };
    }
    case 3:
      return {
        kind: 'huge length',
        http: false,
        bytes: Buffer.concat([option(codec), Buffer.from([0xff, 0xff, 0xff, int(random, 256)])]),
      };
    case 4: {
      const other =
        encodings[CODECS[(CODECS.indexOf(codec) + 1) % CODECS.length] as keyof typeof encodings];
      return {
        kind: 'wrong codec',
        http: false,
        bytes: Buffer.concat([
          option(codec),
          encodeFrames(Buffer.from(other.encode(header)), Buffer.from(other.encode({ n: 2 }))),
        ]),
      };
    }
    case 5: {
      // Deep nesting, encoded by hand where the library would refuse to encode it.
      const depth = 1000 + int(random, 100_000);
      const body =
        codec === 'application/json'
          ? Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)
          : codec === 'application/yaml'
            ? Buffer.from(
                `${'['.repeat(Math.min(depth, 4000))}${']'.repeat(Math.min(depth, 4000))}`,
              )
            : Buffer.concat([Buffer.alloc(depth, 0x91), Buffer.from([0x01])]); // msgpack fixarray(1) × depth
      return {
        kind: 'deep nesting',
        http: false,
        bytes: Buffer.concat([option(codec), encodeFrames(Buffer.from(enc.encode(header)), body)]),
      };
    }
    case 6: {
      const junk = JSON.stringify({
        magicNumber: int(random, 2) === 0 ? 3927900 : int(random, 1e9),
        codecType: bytes(random, 8).toString('latin1'),
        handleTimeout: random() * 1e12 - 1e6,
      });
      return { kind: 'odd option', http: false, bytes: encodeFrames(Buffer.from(junk)) };
    }
    case 7:
      return {
        kind: 'valid call',
        http: false,
        bytes: Buffer.concat([
          option(codec),
          encodeFrames(
            Buffer.from(enc.encode(header)),
            Buffer.from(enc.encode(nested(int(random, 50)))),
          ),
        ]),
      };
    case 9: {
      // Length headers that lie: arrays, maps and strings of 2^32-1, nested up to 20 deep.
      const lies = [
        Buffer.of(0xdd, 0xff, 0xff, 0xff, 0xff),
        Buffer.of(0xdf, 0x01, 0xff, 0xff, 0xff),
      ];
      const heads = Array.from(
        { length: 1 + int(random, 20) },
        () => lies[int(random, 2)] as Buffer,
      );
      const body = Buffer.concat([...heads, Buffer.of(0xdb, 0xff, 0xff, 0xff, 0xff)]);
      return {
        kind: 'length lies',
        http: false,
        bytes: Buffer.concat([
          option('application/msgpack'),
          encodeFrames(Buffer.from(encodings['application/msgpack'].encode(header)), body),
        ]),
      };
    }
    default: {
      const head = [
        'CONNECT /_geerpc_',
        'CONNECT /x',
        'GET /debug/geerpc',
        'POST /_geerpc_',
        'GET /',
      ][int(random, 5)];
      const tail = int(random, 2) === 0 ? option(codec) : bytes(random, int(random, 300));
      return {
        kind: 'http',
        http: true,
        bytes: Buffer.concat([Buffer.from(`${head} HTTP/1.1\r\nHost: x\r\n\r\n`), tail]),
      };
    }
  }
}

// Connection i's own random source: its draws never depend on how connections interleave.
const connectionRandom = (seed: number, i: number) =>
  seeded((seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);

// Sends the bytes, reads whatever comes for a moment, then goes: by closing, or by a reset.
async function hit(port: number, payload: Buffer, random: Random): Promise<void> {
  const conn = net.connect(port, '127.0.0.1');
  conn.on('error', () => {});
  conn.resume();
  await once(conn, 'connect').catch(() => {});
  conn.write(payload);
  await Promise.race([once(conn, 'close'), sleep(int(random, 60))]);
  if (int(random, 2) === 0) conn.resetAndDestroy();
  else conn.destroy();
}

describe('reliability: fuzzing the server', () => {
  test('a seed replays: each connection draws from a source of its own, in any order', () => {
    const script = (i: number) => {
      const random = connectionRandom(SEED, i);
      return [attack(random).bytes.toString('hex'), random()];
    };
    const forward = Array.from({ length: 50 }, (_, i) => script(i));
    const backward = Array.from({ length: 50 }, (_, i) => script(49 - i)).reverse();
    assert.deepEqual(backward, forward);
  });

  test(`${ITERATIONS} hostile connections (seed ${SEED}) cost a well-behaved client nothing`, async (t) => {
    const server = await startServerProcess(t);

    // The good client calls throughout, over TCP and over HTTP.
    const good = await Promise.all([
      xDial(`tcp@127.0.0.1:${server.tcp}`),
      xDial(`http@127.0.0.1:${server.http}`),
    ]);
    t.after(() => Promise.all(good.map((c) => c.close())));
    let stop = false;
    let calls = 0;
    const calling = Promise.all(
      good.map(async (client) => {
        for (let i = 0; !stop; i++) {
          assert.equal(await client.call('Foo.sum', { num1: i, num2: 1 }), i + 1);
          calls++;
        }
      }),
    );
    await sleep(50);
    const baseline = await server.heapUsed();

    const kinds = new Map<string, number>();
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < ITERATIONS; i++) {
      // A generator per connection, seeded from the run's seed and the connection's index:
      // its draws then never depend on how the connections interleave, and a seed replays.
      const random = connectionRandom(SEED, i);
      const { bytes: payload, http, kind } = attack(random);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const p = hit(http ? server.http : server.tcp, payload, random).finally(() =>
        inFlight.delete(p),
      );
      inFlight.add(p);
      if (inFlight.size >= 32) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    stop = true;
    await calling;

    assert.equal(server.stderr(), '', 'the server process reported a crash');
    assert.equal(server.child.exitCode, null, 'the server process is alive');
    assert.ok(calls > 100, `the good client made ${calls} calls, all answered`);
    await sleep(100); // let the last connections close
    const after = await server.heapUsed();
    assert.ok(after < baseline + 16 * 1024 * 1024, `heap ${baseline} -> ${after} bytes`);
    t.diagnostic(
      `seed ${SEED}: ${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}; good calls ${calls}; heap ${(baseline / 1e6).toFixed(1)} -> ${(after / 1e6).toFixed(1)} MB`,
    );
  });
});
