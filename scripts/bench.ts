/**
 * `npm run bench`: speed figures quoted in the chapters, measured, never asserted in tests.
 * Day 1: one caller making calls one after another against day 1's server, with each
 * message sent in one write (what the codec does) and, for contrast, with the length
 * prefix and the payload sent as two writes while Nagle's algorithm is on.
 * Day 2: one client keeping 100 calls in flight, with the codec's corking (messages
 * written in the same tick leave together) and, for contrast, with corking disabled.
 */
import { once } from 'node:events';
import net from 'node:net';
import { encodings, newCodecFuncMap } from '../day1-codec/codec/codec.ts';
import { encodeFrames, FrameReader } from '../day1-codec/codec/frame.ts';
import { DEFAULT_OPTION, Server } from '../day1-codec/server.ts';
import { dial } from '../day2-client/client.ts';
import { Server as Day2Server } from '../day2-client/server.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);

async function connect(port: number, nagle: boolean) {
  const conn = net.connect(port, '127.0.0.1');
  await once(conn, 'connect');
  conn.setNoDelay(!nagle);
  const reader = new FrameReader(conn);
  conn.write(encodeFrames(Buffer.from(JSON.stringify(DEFAULT_OPTION))));
  await reader.read();
  return { conn, reader, codec: newCodecFuncMap['application/json'](conn, reader) };
}

// Calls per second for one caller; `split` writes each frame's prefix and payload separately.
async function sequential(port: number, split: boolean): Promise<number> {
  const { conn, codec } = await connect(port, split);
  const { encode } = encodings['application/json'];
  let calls = 0;
  const end = performance.now() + SECONDS * 1000;
  while (performance.now() < end) {
    const header = { serviceMethod: 'Foo.Sum', seq: calls + 1, error: '' };
    if (split) {
      for (const payload of [encode(header), encode('req')]) {
        conn.write(encodeFrames(payload).subarray(0, 4));
        conn.write(payload);
      }
    } else {
      codec.write(header, 'req');
    }
    await codec.readHeader();
    await codec.readBody();
    calls++;
  }
  await codec.close();
  return calls / SECONDS;
}

// Calls per second for one client that keeps `inFlight` calls going at all times.
async function concurrent(port: number, inFlight: number): Promise<number> {
  const client = await dial('tcp', `127.0.0.1:${port}`);
  let calls = 0;
  const end = performance.now() + SECONDS * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await client.call('Foo.Sum', 'req');
      calls++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  await client.close();
  return calls / SECONDS;
}

const server = new Server();
const listener = net.createServer();
server.accept(listener);
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const { port } = listener.address() as net.AddressInfo;

console.log(`node ${process.version}, ${SECONDS} s per case`);
const whole = await sequential(port, false);
console.log(`day 1, one caller, one write per message, Nagle off: ${whole.toFixed(0)} calls/s`);
const split = await sequential(port, true);
console.log(
  `day 1, one caller, prefix and payload written apart, Nagle on: ${split.toFixed(0)} calls/s`,
);
await server.close();

const server2 = new Day2Server();
const listener2 = net.createServer();
server2.accept(listener2);
listener2.listen(0, '127.0.0.1');
await once(listener2, 'listening');
const port2 = (listener2.address() as net.AddressInfo).port;
const corked = await concurrent(port2, 100);
console.log(`day 2, one client, 100 calls in flight, corking on: ${corked.toFixed(0)} calls/s`);
// The contrast: make cork() and uncork() do nothing, so that every message is its own write.
const { cork, uncork } = net.Socket.prototype;
net.Socket.prototype.cork = () => {};
net.Socket.prototype.uncork = () => {};
const uncorked = await concurrent(port2, 100);
Object.assign(net.Socket.prototype, { cork, uncork });
console.log(`day 2, one client, 100 calls in flight, corking off: ${uncorked.toFixed(0)} calls/s`);
await server2.close();
