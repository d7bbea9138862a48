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
import { Server } from './server.ts';
import { demoFlags, startTrace } from './trace.ts';

const { codecType, trace } = demoFlags();

// The server side: one listener on a free loopback port, served by a server that takes
// no frame over 60 bytes (exercise 3). The option (54 bytes) and a header (46) fit.
const listener = net.createServer();
const server = new Server({ maxFrameSize: 60 });
server.accept(listener);
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const serverPort = (listener.address() as net.AddressInfo).port;
const tap = trace ? await startTrace(serverPort) : undefined;

// The client side, by hand. First the option, always JSON, and the server's answer.
const conn = net.connect(tap?.port ?? serverPort, '127.0.0.1');
await once(conn, 'connect');
const reader = new FrameReader(conn);
conn.write(encodeJsonFrame({ ...DEFAULT_OPTION, codecType }));
const reply = JSON.parse(String(await reader.read())) as OptionReply;
if (reply.error !== '') throw new Error(`server refused the option: ${reply.error}`);

// Then requests and responses, in the codec the option named.
const cc = newCodecFuncMap[codecType](conn, reader);
for (let seq = 1; seq <= 5; seq++) {
  // The first body is 102 bytes of JSON: the server refuses it and closes the connection.
  cc.write(
    { serviceMethod: 'Foo.Sum', seq, error: '' },
    seq === 1 ? 'x'.repeat(100) : `geerpc req ${seq}`,
  );
  if ((await cc.readHeader()) === null) {
    console.log('the server closed the connection');
    break;
  }
  console.log('reply:', await cc.readBody());
}

await cc.close();
await tap?.close();
await server.close();
