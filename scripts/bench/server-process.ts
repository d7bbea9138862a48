/**
 * A bench server process, one of three kinds. `echo`: the baseline, a raw framed echo
 * with no codec and no RPC, the floor any framed protocol over Node's sockets can reach.
 * `day`: the day's own Server, with an Arith service where the day has `register`.
 * `bare`: a net server that only holds its sockets: what Node itself costs per connection.
 */
import { once } from 'node:events';
import net from 'node:net';
import { importServer } from './day-api.ts';
import { FrameCutter, writeCorked } from './framing.ts';
import { serveParent } from './processes.ts';

/** What this process tells the parent once it listens. */
export interface ServerReady {
  port: number;
  serviceMethod: string; // what a client should call here
}

// The service day 3 onwards is benched with: as little work as a method can do, so that
// what is measured is the framework around it.
class Arith {
  sum({ num1, num2 }: { num1: number; num2: number }): number {
    return num1 + num2;
  }
}

// Each chunk is cut into frames and each frame written back as it came; writes are
// corked, so all the frames of one chunk go back in one system call.
function serveEcho(socket: net.Socket): void {
  const cutter = new FrameCutter();
  socket.setNoDelay(true);
  socket.on('error', () => {}); // a client that leaves abruptly is not news
  socket.on('data', (chunk: Buffer) => {
    for (const frame of cutter.push(chunk)) writeCorked(socket, frame);
  });
}

// Days 1-2 answer any method with `geerpc resp <seq>`; 'Foo.Sum' is what their demos call.
async function serveDay(listener: net.Server, day: string): Promise<string> {
  const { Server } = await importServer(day);
  let logged = 0;
  const server = new Server({
    // A handful of lines says what went wrong; two thousand would bury the results.
    log: (message) => {
      if (logged++ < 3) console.error(`bench: ${day} server: ${message}`);
    },
  });
  server.accept(listener);
  if (server.register === undefined) return 'Foo.Sum';
  server.register(new Arith());
  return 'Arith.sum';
}

const [kind = '', day = ''] = process.argv.slice(2);
const listener = net.createServer();
const held = new Set<net.Socket>(); // the bare server's sockets, kept as a real server would
let serviceMethod = '';
if (kind === 'echo') listener.on('connection', serveEcho);
else if (kind === 'day') serviceMethod = await serveDay(listener, day);
else if (kind === 'bare') {
  listener.on('connection', (socket) => {
    socket.on('error', () => {});
    held.add(socket);
    socket.once('close', () => held.delete(socket));
  });
} else throw new Error(`bench: unknown server kind ${kind}`);
listener.listen({ port: 0, host: '127.0.0.1', backlog: 1024 });
await once(listener, 'listening');

const ready: ServerReady = { port: (listener.address() as net.AddressInfo).port, serviceMethod };
serveParent(ready, {
  cpu: () => process.cpuUsage(),
  connections: () =>
    new Promise((resolve, reject) =>
      listener.getConnections((err, count) => (err ? reject(err) : resolve(count))),
    ),
  memory: async () => {
    // Twice, and after a turn of the event loop: what the first collection frees
    // (finalizers, weak references) the second one reclaims.
    for (let i = 0; i < 2; i++) {
      globalThis.gc?.();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return { ...process.memoryUsage(), gc: globalThis.gc !== undefined };
  },
});
