/**
 * Day 1 demo: start a server, then speak GeeRPC to it by hand: the option frame,
 * its reply, and five requests, each answered with a canned reply.
 * Mirrors GeeRPC's day1-codec/main/main.go.
 * Run: npx tsx day1-codec/main.ts [--codec json|msgpack|yaml] [--trace]
 */
import { once } from 'node:events';
import net from 'node:net';
import { newCodecFuncMap } from './codec/codec.ts';
import { FrameReader } from './codec/frame.ts';
import { DEFAULT_OPTION, encodeJsonFrame, type OptionReply } from './protocol.ts';
import { accept, defaultServer } from './server.ts';
import { demoFlags, startTrace } from './trace.ts';

const { codecType, trace } = demoFlags();

// The server side: one listener on a free loopback port, served by the default server.
const listener = net.createServer();
accept(listener);
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const serverPort = (listener.address() as net.AddressInfo).port;
const tap = trace ? await startTrace(serverPort) : undefined;

// The client side, by hand. First the option, always JSON, and the server's answer.
const conn = net.connect(tap?.port ?? serverPort, '127.0.0.1');
await once(conn, 'connect');
const reader = new FrameReader(conn);
// Exercise 2: the option's 4-byte length prefix now, its payload 20 ms later. The
// server's FrameParser.take returns undefined until the whole frame is in, and waits.
const option = encodeJsonFrame({ ...DEFAULT_OPTION, codecType });
conn.write(option.subarray(0, 4));
await new Promise((resolve) => setTimeout(resolve, 20));
conn.write(option.subarray(4));
const reply = JSON.parse(String(await reader.read())) as OptionReply;
if (reply.error !== '') throw new Error(`server refused the option: ${reply.error}`);

// Then requests and responses, in the codec the option named.
const cc = newCodecFuncMap[codecType](conn, reader);
for (let seq = 1; seq <= 5; seq++) {
  cc.write({ serviceMethod: 'Foo.Sum', seq, error: '' }, `geerpc req ${seq}`);
  await cc.readHeader();
  console.log('reply:', await cc.readBody());
}

await cc.close();
await tap?.close();
await defaultServer.close();
