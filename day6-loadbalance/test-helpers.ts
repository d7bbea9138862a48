/**
 * Shared by this day's tests: a server on a free loopback port and a raw connection
 * to it, each closed when the test ends. Added on day 1; day 3 gave the server a service.
 */
import './leak-check.ts'; // a test that leaks or hangs fails, under node --test too
import { once } from 'node:events';
import net from 'node:net';
import type { TestContext } from 'node:test';
import { encodeFrames, FrameReader, whenClosed } from './codec/frame.ts';
import { DEFAULT_OPTION, type OptionReply, Server, type ServerOptions } from './server.ts';

/** This folder's name, `day1-codec`: tests carried into later days say which day ran them. */
export const DAY = new URL('.', import.meta.url).pathname.split('/').at(-2) as string;

export interface TestServer {
  server: Server;
  port: number;
  logs: string[]; // what the server logged, instead of printing it
  conns: net.Socket[]; // the server's end of every connection it accepted
}

/** The service every test server publishes, from day 3 on: `Foo.Sum` echoes its argument. */
export class Foo {
  Sum(args: unknown): unknown {
    return { echo: args };
  }
}

/** What this day's server answers to a `Foo.Sum` request. */
export function expectedReply(_seq: number, args: unknown): unknown {
  return { echo: args ?? null };
}

/** A server on a free loopback port, or on the unix socket `path`; closed when the test ends. */
export async function startServer(
  t: TestContext,
  options: ServerOptions = {},
  path?: string,
): Promise<TestServer> {
  const logs: string[] = [];
  const server = new Server({ log: (message) => logs.push(message), ...options });
  server.register(new Foo());
  const listener = net.createServer();
  const conns: net.Socket[] = [];
  listener.on('connection', (conn: net.Socket) => conns.push(conn));
  server.accept(listener);
  if (path === undefined) listener.listen(0, '127.0.0.1');
  else listener.listen(path);
  await once(listener, 'listening');
  t.after(() => server.close());
  const address = listener.address();
  return { server, port: typeof address === 'object' ? (address?.port ?? 0) : 0, logs, conns };
}

export interface RawConn {
  conn: net.Socket;
  reader: FrameReader;
}

/** A connection that speaks bytes, not GeeRPC, to a loopback port or a unix socket's path. */
export async function connectRaw(t: TestContext, to: number | string): Promise<RawConn> {
  const conn = typeof to === 'number' ? net.connect(to, '127.0.0.1') : net.connect(to);
  conn.on('error', () => {}); // tests look at what was read and at 'close', not at errors
  t.after(() => {
    conn.destroy();
    return whenClosed(conn);
  });
  await once(conn, 'connect');
  return { conn, reader: new FrameReader(conn) };
}

/** Sends an option frame (the default one, changed by `option`) and reads the reply. */
export async function sendOption(raw: RawConn, option: object = {}): Promise<OptionReply> {
  raw.conn.write(encodeFrames(Buffer.from(JSON.stringify({ ...DEFAULT_OPTION, ...option }))));
  return JSON.parse(String(await raw.reader.read()));
}

/** Rejections nobody handled while the test runs; a test asserts that none came. */
export function unhandledRejections(t: TestContext): unknown[] {
  const rejections: unknown[] = [];
  const onRejection = (reason: unknown) => rejections.push(reason);
  process.on('unhandledRejection', onRejection);
  t.after(() => process.off('unhandledRejection', onRejection));
  return rejections;
}
