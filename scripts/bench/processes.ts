/**
 * The bench's process plumbing. The parent forks each role (a server, a client) as its
 * own Node process running TypeScript through tsx, and drives it over the IPC channel:
 * the child announces itself with `{ ready }`, then answers `{ id, cmd, args }` requests.
 * Nothing outlives the parent: a child exits when the channel closes, and the parent
 * kills whatever is left when it exits.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

type Reply = { id: number; result?: unknown; error?: string } | { ready: unknown };

// Resolved here rather than written as `--import tsx`, which Node would look up from the
// current directory: the bench then works from wherever it is started.
const TSX_LOADER = import.meta.resolve('tsx');
const STARTUP_MS = 30_000; // tsx compiles on first start; a slow disk can take seconds

// Every child still running. Killed on the way out, whatever the way out is: a thrown
// error, Ctrl-C, or a normal end that forgot one. The handlers are installed by the first
// startChild(), so that only the parent has them, not every process importing this file.
const live = new Set<ChildProcess>();
let exitHandlers = false;

function killChildrenOnExit(): void {
  if (exitHandlers) return;
  exitHandlers = true;
  process.once('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
  // Turned into an exit, so that the 'exit' handler above runs.
  process.once('SIGINT', () => process.exit(130));
  process.once('SIGTERM', () => process.exit(143));
}

/** A running child process and the request/reply conversation with it. */
export class Child<Ready = unknown> {
  readonly name: string;
  /** What the child said when it started (its port, say); rejects if it never does. */
  readonly ready: Promise<Ready>;
  readonly #proc: ChildProcess;
  readonly #pending = new Map<number, Settle>();
  #started: Settle | undefined; // until the child's `{ ready }` arrives
  #nextId = 1;
  #exited: Error | undefined;

  constructor(name: string, proc: ChildProcess) {
    this.name = name;
    this.#proc = proc;
    this.ready = new Promise((resolve, reject) => {
      this.#started = { resolve: resolve as (value: unknown) => void, reject };
    });
    proc.on('message', (reply: Reply) => this.#receive(reply));
    // A send to a child that has just died: its 'exit' (or the request's timeout) reports it.
    proc.on('error', () => {});
    proc.once('exit', (code, signal) => {
      live.delete(proc);
      this.#exited = new Error(`bench: ${name} exited (${signal ?? `code ${code}`})`);
      this.#started?.reject(this.#exited);
      for (const { reject } of this.#pending.values()) reject(this.#exited);
      this.#pending.clear();
    });
  }

  /** Sends a command and resolves with the child's result; rejects if it takes too long. */
  request<T>(cmd: string, args?: unknown, timeoutMs = 30_000): Promise<T> {
    if (this.#exited !== undefined) return Promise.reject(this.#exited);
    const id = this.#nextId++;
    const reply = new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    this.#proc.send({ id, cmd, args });
    return withTimeout(reply, timeoutMs, `${this.name} did not answer ${cmd}`).finally(() =>
      this.#pending.delete(id),
    );
  }

  /** Closes the channel, which tells the child to clean up and exit; kills it if it lingers. */
  async stop(): Promise<void> {
    if (this.#exited !== undefined) return;
    const exited = new Promise((resolve) => this.#proc.once('exit', resolve));
    if (this.#proc.connected) this.#proc.disconnect();
    const timer = setTimeout(() => this.#proc.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  #receive(reply: Reply): void {
    if ('ready' in reply) {
      this.#started?.resolve(reply.ready);
      this.#started = undefined;
      return;
    }
    const waiter = this.#pending.get(reply.id);
    if (reply.error !== undefined) waiter?.reject(new Error(`${this.name}: ${reply.error}`));
    else waiter?.resolve(reply.result);
  }
}

interface Settle {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

/** `promise`, or a rejection naming `what` once `ms` have passed; the timer never lingers. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`bench: ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Forks `script` (a file in scripts/bench/) with `args` and waits until it is ready.
 * `exposeGc` lets the child call `gc()`, so memory is measured after a full collection.
 */
export async function startChild<Ready>(
  script: string,
  args: string[],
  options: { exposeGc?: boolean } = {},
): Promise<Child<Ready>> {
  killChildrenOnExit();
  // BENCH_PROF=<folder>: every process of the bench writes a CPU profile there (--cpu-prof).
  const profile = process.env.BENCH_PROF;
  const execArgv = [
    '--import',
    TSX_LOADER,
    ...(options.exposeGc ? ['--expose-gc'] : []),
    ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
  ];
  const proc = fork(fileURLToPath(new URL(script, import.meta.url)), args, {
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  live.add(proc);
  const child = new Child<Ready>(`${script} ${args.join(' ')}`.trim(), proc);
  try {
    await withTimeout(child.ready, STARTUP_MS, `${child.name} did not start`);
  } catch (err) {
    await child.stop();
    throw err;
  }
  return child;
}

// Any function of one argument; a handler declares the type of its own `args`.
type Handler = (args: never) => unknown;

/**
 * The child's side: says `ready`, then runs `handlers[cmd](args)` for each request and
 * sends back its result or its error. When the parent closes the channel (or dies),
 * `close` runs and the process exits, so no child is ever left behind.
 */
export function serveParent(
  ready: unknown,
  handlers: Record<string, Handler>,
  close: () => Promise<void> = async () => {},
): void {
  const send = process.send?.bind(process);
  if (send === undefined) throw new Error('bench: run through `npm run bench`, not directly');
  process.on('message', async ({ id, cmd, args }: { id: number; cmd: string; args: never }) => {
    try {
      const handler = handlers[cmd];
      if (handler === undefined) throw new Error(`unknown command ${cmd}`);
      send({ id, result: await handler(args) });
    } catch (err) {
      send({ id, error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
    }
  });
  process.once('disconnect', () => {
    // The exit comes anyway: a close() that hangs must not keep the process alive.
    setTimeout(() => process.exit(0), 2000).unref();
    close().finally(() => process.exit(0));
  });
  send({ ready });
}
