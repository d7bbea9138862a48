/**
 * `npm run bench`: speed figures quoted in the chapters, measured, never asserted in tests.
 * Day 1: one caller making calls one after another against day 1's server, with each
 * message sent in one write (what the codec does) and, for contrast, with the length
 * prefix and the payload sent as two writes while Nagle's algorithm is on.
 */
import { once } from 'node:events';
import net from 'node:net';
import { encodings, newCodecFuncMap } from '../day1-codec/codec/codec.ts';
import { encodeFrames, FrameReader } from '../day1-codec/codec/frame.ts';
import { DEFAULT_OPTION, Server } from '../day1-codec/server.ts';

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
