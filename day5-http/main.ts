/**
 * Day 5 demo: GeeRPC and a web page on one port. An HTTP server hands CONNECT requests
 * to GeeRPC and serves the debug page; a client dials it with `xDial('http@...')`.
 * Mirrors GeeRPC's day5-http-debug/main/main.go.
 * Run: npx tsx day5-http/main.ts [--codec json|msgpack|yaml] [--trace] [--serve]
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { xDial } from './client.ts';
import {
  DEFAULT_DEBUG_PATH,
  DEFAULT_RPC_PATH,
  defaultServer,
  handleHTTP,
  register,
} from './server.ts';
import { demoFlags, startTrace } from './trace.ts';

interface Args {
  num1: number;
  num2: number;
}

class Foo {
  sum({ num1, num2 }: Args): number {
    return num1 + num2;
  }
}

const { codecType, trace, extra } = demoFlags({
  serve: 'keep serving after the calls, to open the debug page in a browser',
});

register(new Foo());
const httpServer = http.createServer();
handleHTTP(httpServer); // CONNECT /_geerpc_ is GeeRPC; GET /debug/geerpc is the page
httpServer.listen(0, '127.0.0.1');
await once(httpServer, 'listening');
const port = (httpServer.address() as AddressInfo).port;
const tap = trace ? await startTrace(port) : undefined;

// Five calls at once over one HTTP-born connection, as GeeRPC's day 5 makes them.
const client = await xDial(`http@127.0.0.1:${tap?.port ?? port}`, { codecType });
const sums = await Promise.all(
  [0, 1, 2, 3, 4].map(async (i) => {
    const reply = await client.call('Foo.sum', { num1: i, num2: i * i });
    return `${i} + ${i * i} = ${reply}`;
  }),
);
for (const line of sums) console.log(line);

// The same port still speaks HTTP.
const base = `http://127.0.0.1:${port}`;
for (const path of [DEFAULT_DEBUG_PATH, DEFAULT_RPC_PATH]) {
  const res = await fetch(base + path);
  const body = await res.text();
  const shown = res.ok ? `${res.headers.get('content-type')}, ${body.length} bytes` : body.trim();
  console.log(`GET ${path}: status ${res.status}, ${shown}`);
}
await client.close();

if (extra.has('serve')) {
  console.log(`debug page: ${base}${DEFAULT_DEBUG_PATH} (Ctrl-C to stop)`);
  await Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]);
}
await tap?.close();
await defaultServer.close(); // closes the HTTP server too
