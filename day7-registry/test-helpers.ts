/**
 * Shared by this day's tests and the exercises' solutions: a server on a free loopback
 * port and a raw connection to it, each closed when the test ends, and the day's demo run
 * as a program. Added on day 1; day 3 gave the server a service, day 5 HTTP (startHTTP),
 * day 6 servers that say which one answered (startWho) and an address nobody answers
 * (closedAddr), day 7 a registry (startRegistry).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { afterEach, beforeEach, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { encodeFrames, FrameReader, whenClosed } from './codec/frame.ts';
import { GeeRegistry } from './registry/registry.ts';
import { DEFAULT_OPTION, type OptionReply, Server, type ServerOptions } from './server.ts';
import type { CallContext } from './service.ts';

// The leak check: a test that leaves a server, socket or timer open fails, naming what it
// left, and a test that waits forever fails by its own name instead of hanging the run.
// Every test file imports this file, so it holds under a plain `node --test` here too.

// Longer than any test's own clean-up takes; a real leak outlives it too.
const GRACE_MS = Number(process.env.LEAK_GRACE_MS) || 1000;
// Longer than any one test here takes on a loaded machine (the slowest take about 2 s).
const HANG_MS = Number(process.env.TEST_HANG_MS) || 10_000;
// Handles that belong to the test runner, not to the code under test.
const IGNORED = new Set(['TTYWrap', 'PipeWrap', 'FSReqCallback', 'FileHandle', 'Immediate']);

const open = () => process.getActiveResourcesInfo().filter((name) => !IGNORED.has(name));

// Only in the runner's child processes, one per test file: there, when the file's last test
// has ended, nothing but a leak can keep the process alive. The timers are unref()ed, so they
// never keep it alive themselves: in a clean file the process exits before they fire.
// scripts/leak-check.ts, preloaded by `npm test`, does the same: whichever comes first installs it.
const INSTALLED = Symbol.for('geerpc.leak-check');
if (process.env.NODE_TEST_CONTEXT !== undefined && !(INSTALLED in globalThis)) {
  Object.assign(globalThis, { [INSTALLED]: true });
  let watchdog: NodeJS.Timeout | undefined;
  let hang: NodeJS.Timeout | undefined;
  beforeEach((t) => {
    clearTimeout(watchdog);
    hang = setTimeout(() => {
      console.error(`${process.argv[1]}: test "${t.name}" has not finished after ${HANG_MS} ms;`);
      console.error(`  it waits on: ${open().join(', ')}`);
      process.exit(1);
    }, HANG_MS).unref();
  });
  afterEach(() => {
    clearTimeout(hang);
    clearTimeout(watchdog);
    watchdog = setTimeout(() => {
      console.error(
        `${process.argv[1]} left handles open after its last test: ${open().join(', ')}`,
      );
      process.exit(1);
    }, GRACE_MS).unref();
  });
}

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

export interface DemoRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs this day's demo, `main.ts`, with `args` (as `npx tsx main.ts ...` does), to its end. */
export async function runDemo(...args: string[]): Promise<DemoRun> {
  const main = fileURLToPath(new URL('main.ts', import.meta.url));
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT; // the demo is a program of its own, not one more test file
  const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { env });
  let [stdout, stderr] = ['', ''];
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

export interface HttpTestServer {
  server: Server;
  httpServer: http.Server;
  port: number;
  base: string; // http://127.0.0.1:port
}

/** A GeeRPC server behind an HTTP server on a free loopback port; closed when the test ends. */
export async function startHTTP(
  t: TestContext,
  services: object[] = [new Foo()],
  httpOptions: http.ServerOptions = {},
  serverOptions: ServerOptions = {},
): Promise<HttpTestServer> {
  const server = new Server({ log: () => {}, ...serverOptions });
  for (const service of services) server.register(service);
  const httpServer = http.createServer(httpOptions);
  server.handleHTTP(httpServer);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  t.after(() => server.close());
  const { port } = httpServer.address() as net.AddressInfo;
  return { server, httpServer, port, base: `http://127.0.0.1:${port}` };
}

/** A service that says which server answered, and can fail or take its time (day 6 on). */
export class Who {
  readonly name: string;
  readonly calls: string[] = [];
  readonly stopped: string[] = []; // why each slow call ended early: its signal's reason
  #fail: boolean;

  constructor(name: string, fail = false) {
    this.name = name;
    this.#fail = fail;
  }

  whoami(): string {
    this.calls.push('whoami');
    return this.name;
  }

  // Fails at once on a failing server; elsewhere waits `ms`, or until its signal fires.
  async work(ms: number, { signal }: CallContext): Promise<string> {
    this.calls.push('work');
    if (this.#fail) throw new Error(`${this.name} failed`);
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      this.stopped.push(String(signal.reason?.message));
    }
    return this.name;
  }
}

export interface Running {
  addr: string; // tcp@127.0.0.1:port, as an XClient's discovery lists it
  who: Who;
  conns: net.Socket[];
  server: Server;
}

/** A server publishing a `Who` named `name`, on a free loopback port; closed when the test ends. */
export async function startWho(t: TestContext, name: string, fail = false): Promise<Running> {
  // A client that closes looks, to the server, like one that only ended its side and
  // waits for its replies (day 1): closeTimeout is how long the server believes it.
  const { server, port, conns } = await startServer(t, { closeTimeout: 50 });
  const who = new Who(name, fail);
  server.register(who);
  return { addr: `tcp@127.0.0.1:${port}`, who, conns, server };
}

/** An address where nothing listens, `tcp@127.0.0.1:port`: a port that was free a moment ago. */
export async function closedAddr(): Promise<string> {
  const listener = net.createServer().listen(0, '127.0.0.1');
  await once(listener, 'listening');
  const { port } = listener.address() as net.AddressInfo;
  await new Promise((resolve) => listener.close(resolve));
  return `tcp@127.0.0.1:${port}`;
}

/** GeeRegistry's options, whichever it has: an exercise may add to them. */
type RegistryOptions = NonNullable<ConstructorParameters<typeof GeeRegistry>[1]>;

export interface TestRegistry {
  registry: GeeRegistry;
  url: string; // http://127.0.0.1:port/_geerpc_/registry
  port: number;
  httpServer: http.Server;
  requests: string[]; // "METHOD addr" of every request, in order
}

/** A registry on a free loopback port (or `port`), closed when the test ends (day 7 on). */
export async function startRegistry(
  t: TestContext,
  timeout?: number,
  options: RegistryOptions = {},
  port = 0,
): Promise<TestRegistry> {
  const httpServer = http.createServer();
  const registry = new GeeRegistry(timeout, options);
  registry.handleHTTP(httpServer);
  const requests: string[] = [];
  httpServer.on('request', (req: http.IncomingMessage) =>
    requests.push(`${req.method} ${req.headers['x-geerpc-server'] ?? ''}`.trim()),
  );
  httpServer.listen(port, '127.0.0.1');
  await once(httpServer, 'listening');
  t.after(() => stopRegistry(httpServer));
  const actual = (httpServer.address() as net.AddressInfo).port;
  const url = `http://127.0.0.1:${actual}/_geerpc_/registry`;
  return { registry, url, port: actual, httpServer, requests };
}

/** Stops a registry at once, open connections too, as one that goes down would; twice is safe. */
export function stopRegistry(httpServer: http.Server): Promise<void> {
  if (!httpServer.listening) return Promise.resolve();
  httpServer.closeAllConnections();
  return new Promise((resolve) => httpServer.close(() => resolve()));
}
