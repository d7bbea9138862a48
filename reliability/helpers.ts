/**
 * Shared by the reliability suites: a seeded random source, and a day 7 server in a
 * child process. Not part of any day.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import type { TestContext } from 'node:test';

/** mulberry32: the same seed gives the same sequence, so a failure can be replayed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** A number from the environment, or the default: `FUZZ_SEED=7 npm run test:reliability`. */
export function setting(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && process.env[name] !== '' ? value : fallback;
}

export interface ServerProcess {
  child: ChildProcess;
  tcp: number; // its GeeRPC port
  http: number; // its HTTP port (CONNECT /_geerpc_)
  stderr: () => string; // what it has printed: empty unless it crashed
  heapUsed: () => Promise<number>; // after a full GC, in bytes
  memory: () => Promise<NodeJS.MemoryUsage>; // the same, with the bytes of Buffers too
}

/** Starts reliability/server-process.ts (listed at `registryUrl` if given); killed when the test ends. */
export async function startServerProcess(
  t: TestContext,
  registryUrl?: string,
): Promise<ServerProcess> {
  const child = fork(new URL('./server-process.ts', import.meta.url), {
    execArgv: ['--import=tsx', '--expose-gc'],
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, REGISTRY_URL: registryUrl ?? '' },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  t.after(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  });
  const [ports] = (await once(child, 'message')) as [{ tcp: number; http: number }];
  const memory = async () => {
    child.send({ cmd: 'memory' });
    const [reply] = (await once(child, 'message')) as [{ memory: NodeJS.MemoryUsage }];
    return reply.memory;
  };
  return {
    child,
    ...ports,
    stderr: () => stderr,
    heapUsed: async () => (await memory()).heapUsed,
    memory,
  };
}
