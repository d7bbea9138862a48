/**
 * Demo and test support, not part of the framework: one etcd member on loopback, in a
 * temp dir, started and stopped by this process (Debian's etcd-server; `ETCD_PATH`
 * points elsewhere). Used by `main.ts --etcd` and by `npm run test:etcd`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Etcd3 } from 'etcd3';

export const ETCD = process.env.ETCD_PATH ?? '/usr/bin/etcd';

/** Whether etcd is installed where we look for it. */
export function hasEtcd(): boolean {
  return existsSync(ETCD);
}

async function freePort(): Promise<number> {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

// Waits until etcd at `url` answers a read. A new client each try: after three failures
// a client's circuit breaker refuses every request for 5 s, which a member with a fresh
// data directory can take to come up.
async function ready(url: string): Promise<void> {
  for (let i = 0; ; i++) {
    const probe = new Etcd3({ hosts: url });
    try {
      await probe.get('ready?').string();
      return;
    } catch (err) {
      if (i > 100) throw err;
      await sleep(50);
    } finally {
      probe.close();
    }
  }
}

/** One etcd member on loopback, in a temp dir; start() again after stop() keeps its data. */
export class LocalEtcd {
  readonly dir = mkdtempSync(join(tmpdir(), 'geerpc-etcd-'));
  url = '';
  #peer = '';
  #child: ChildProcess | undefined;

  async start(): Promise<void> {
    if (this.url === '') {
      this.url = `http://127.0.0.1:${await freePort()}`;
      this.#peer = `http://127.0.0.1:${await freePort()}`;
    }
    this.#child = spawn(
      ETCD,
      [
        '--data-dir',
        join(this.dir, 'data'),
        '--listen-client-urls',
        this.url,
        '--advertise-client-urls',
        this.url,
        '--listen-peer-urls',
        this.#peer,
        '--initial-advertise-peer-urls',
        this.#peer,
        '--initial-cluster',
        `default=${this.#peer}`,
      ],
      { stdio: 'ignore' },
    );
    // Never outlive this process: an etcd left running would hold its ports and its dir.
    const child = this.#child;
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
    await ready(this.url);
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGKILL');
    await once(child, 'exit');
  }

  /** Stops it, deletes its data, and starts it again empty on the same ports. */
  async wipe(): Promise<void> {
    await this.stop();
    rmSync(join(this.dir, 'data'), { recursive: true, force: true });
    await this.start();
  }

  /** Stops it and deletes its data. */
  async remove(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
