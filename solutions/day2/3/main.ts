/**
 * Day 2 demo: start a server, dial it, and make five calls at once over the one
 * connection. Mirrors GeeRPC's day2-client/main/main.go.
 * Run: npx tsx day2-client/main.ts [--codec json|msgpack|yaml] [--trace]
 */
import { once } from 'node:events';
import net from 'node:net';
import { type Client, dial } from './client.ts';
import { accept, defaultServer } from './server.ts';
import { demoFlags, startTrace } from './trace.ts';

const { codecType, trace } = demoFlags();

const listener = net.createServer();
accept(listener);
listener.listen(0, '127.0.0.1');
await once(listener, 'listening');
const serverPort = (listener.address() as net.AddressInfo).port;
const tap = trace ? await startTrace(serverPort) : undefined;

// Exercise 3: two clients, two connections, two option handshakes. Each numbers its own
// calls from 1, so each reply names the seq of its call on its own connection.
const address = `127.0.0.1:${tap?.port ?? serverPort}`;
const clients = [
  await dial('tcp', address, { codecType }),
  await dial('tcp', address, { codecType }),
];
await Promise.all(
  [1, 2, 3, 4, 5].map(async (i) => {
    const c = (i + 1) % 2; // calls 1, 3, 5 on the first client, 2 and 4 on the second
    const reply = await (clients[c] as Client).call<string>('Foo.Sum', `geerpc req ${i}`);
    console.log(`client ${c + 1}, call ${i}, reply:`, reply);
  }),
);

await Promise.all(clients.map((client) => client.close()));
await tap?.close();
await defaultServer.close();
