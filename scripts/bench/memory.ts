/**
 * Server memory per idle connection: a server process, a client process that opens
 * a few thousand connections and leaves them idle, and the server's RSS and heap before
 * and after. Measured for the day's Server and for a bare net server, the floor that
 * Node itself costs per socket.
 */
import { spawnSync } from 'node:child_process';
import { startChild, withTimeout } from './processes.ts';
import type { ServerReady } from './server-process.ts';

export interface MemoryResult {
  server: string;
  connections: number;
  rssBeforeMiB: number;
  rssKiBPerConn: number;
  heapBytesPerConn: number;
  gc: boolean; // whether the server could collect garbage before each reading
}

type Usage = NodeJS.MemoryUsage & { gc: boolean };

/**
 * How many connections to open: `wanted`, or fewer if the open-file limit is lower.
 * Each side holds one descriptor per connection; 256 are left for everything else.
 */
export function connectionCount(wanted: number): number {
  const shell = spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' });
  const text = shell.stdout?.trim() ?? '';
  const limit = text === 'unlimited' ? Number.POSITIVE_INFINITY : Number(text) || 1024;
  return Math.max(1, Math.min(wanted, limit - 256));
}

/**
 * Opens `count` idle connections to a `day` server (or a `bare` one) and measures it.
 * `label` names the day's server in the table (by default, the day's name).
 */
export async function measureMemory(
  kind: 'day' | 'bare',
  day: string,
  count: number,
  label = `${day} Server`,
): Promise<MemoryResult> {
  const server = await startChild<ServerReady>('server-process.ts', [kind, day], {
    exposeGc: true,
  });
  const { port } = await server.ready;
  // Against the day's server each connection completes the option handshake, so the
  // server holds what it holds for a client that is connected and idle.
  const client = await startChild('conns-client.ts', [
    String(port),
    kind === 'day' ? 'handshake' : 'connect',
  ]);
  try {
    const before = await server.request<Usage>('memory');
    await client.request('open', { count }, 120_000);
    await withTimeout(allAccepted(server.request.bind(server), count), 30_000, 'accepting');
    const after = await server.request<Usage>('memory');
    return {
      server: kind === 'day' ? label : 'bare net.Server',
      connections: count,
      rssBeforeMiB: before.rss / 2 ** 20,
      rssKiBPerConn: (after.rss - before.rss) / 1024 / count,
      heapBytesPerConn: (after.heapUsed - before.heapUsed) / count,
      gc: after.gc,
    };
  } finally {
    await client.stop();
    await server.stop();
  }
}

// A client's connect can complete before the server has run its 'connection' handler:
// wait until the server counts them all.
async function allAccepted(request: <T>(cmd: string) => Promise<T>, count: number): Promise<void> {
  while ((await request<number>('connections')) < count) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
