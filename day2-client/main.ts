/**
 * Day 2 demo: start a server, dial it, and make five calls at once over the one
 * connection. Mirrors GeeRPC's day2-client/main/main.go.
 * Run: npx tsx day2-client/main.ts [--codec json|msgpack|yaml] [--trace]
 */
import { once } from 'node:events';
import net from 'node:net';
import { dial } from './client.ts';
import { accept, defaultServer } from './server.ts';
import { demoFlags, startTrace } from './trace.ts';

const { codecType, trace } = demoFlags();

const listener = net.createServer();
accept(listener);
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const serverPort = (listener.address() as net.AddressInfo).port;
const tap = trace ? await startTrace(serverPort) : undefined;

const client = await dial('tcp', `127.0.0.1:${tap?.port ?? serverPort}`, { codecType });
// Five calls in flight at once; each reply finds its way back to its own call by seq.
await Promise.all(
  [1, 2, 3, 4, 5].map(async (i) => {
    const reply = await client.call<string>('Foo.Sum', `geerpc req ${i}`);
    console.log('reply:', reply);
  }),
);

await client.close();
await tap?.close();
await defaultServer.close();
