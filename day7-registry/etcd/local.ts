/**
 * Demo and test support, not part of the framework: etcd on loopback, in temp dirs,
 * started and stopped by this process (Debian's etcd-server; `ETCD_PATH` points
 * elsewhere): one member (`LocalEtcd`), or a cluster of three (`LocalEtcdCluster`).
 * Used by `main.ts --etcd`, `npm run test:etcd` and `npm run bench:registry`.
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

/** A member's place in a cluster: its name and every member's peer URL. */
interface Membership {
  name: string;
  cluster: string; // name=peerUrl,... for --initial-cluster
}

/** One etcd member on loopback, in a temp dir; start() again after stop() keeps its data. */
export class LocalEtcd {
  readonly dir = mkdtempSync(join(tmpdir(), 'geerpc-etcd-'));
  url = '';
  peer = '';
  membership: Membership | undefined; // set by LocalEtcdCluster; alone otherwise
  #child: ChildProcess | undefined;

  /** Picks its ports (once: a restarted member keeps them). */
  async ports(): Promise<void> {
    if (this.url !== '') return;
    this.url = `http://127.0.0.1:${await freePort()}`;
    this.peer = `http://127.0.0.1:${await freePort()}`;
  }

  /** The etcd process's id while it runs. */
  get pid(): number | undefined {
    return this.running ? this.#child?.pid : undefined;
  }

  get running(): boolean {
    const child = this.#child;
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  async start(): Promise<void> {
    this.spawn(await this.#args());
    await ready(this.url);
  }

  async #args(): Promise<string[]> {
    await this.ports();
    const { name, cluster } = this.membership ?? { name: 'default', cluster: '' };
    const args = ['--name', name, '--data-dir', join(this.dir, 'data')];
    args.push('--listen-client-urls', this.url, '--advertise-client-urls', this.url);
    args.push('--listen-peer-urls', this.peer, '--initial-advertise-peer-urls', this.peer);
    args.push('--initial-cluster', cluster || `${name}=${this.peer}`);
    // In a cluster, elections in half a second (etcd's default: 1 s), so tests stay short.
    if (cluster) args.push('--heartbeat-interval', '50', '--election-timeout', '500');
    return args;
  }

  /** Starts the process without waiting for it to answer (a cluster's members wait for each other). */
  spawn(args: string[]): void {
    const child = spawn(ETCD, args, { stdio: 'ignore' });
    this.#child = child;
    // Never outlive this process: an etcd left running would hold its ports and its dir.
    const kill = () => child.kill('SIGKILL');
    process.once('exit', kill);
    child.once('exit', () => process.off('exit', kill));
  }

  /** Kills it (SIGKILL: no goodbye to the cluster) and waits until it is gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || !this.running) return;
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

/** Three (or `size`) members on loopback that form one cluster. */
export class LocalEtcdCluster {
  readonly members: LocalEtcd[];

  constructor(size = 3) {
    this.members = Array.from({ length: size }, () => new LocalEtcd());
  }

  /** Every member's client URL: what an etcd client is given. */
  get urls(): string[] {
    return this.members.map((m) => m.url);
  }

  async start(): Promise<void> {
    for (const m of this.members) await m.ports();
    const cluster = this.members.map((m, i) => `m${i}=${m.peer}`).join(',');
    this.members.forEach((m, i) => {
      m.membership = { name: `m${i}`, cluster };
    });
    await Promise.all(this.members.map((m) => m.start()));
  }

  /** Which member leads now (asked of a running member), as an index into `members`. */
  async leader(): Promise<number> {
    const asked = this.members.find((m) => m.running) as LocalEtcd;
    const ids: string[] = [];
    let leader = '';
    for (const m of this.members) {
      if (!m.running) {
        ids.push('');
        continue;
      }
      const c = new Etcd3({ hosts: m.url });
      try {
        const status = await c.maintenance.status();
        ids.push(status.header.member_id);
        if (m === asked) leader = status.leader;
      } finally {
        c.close();
      }
    }
    return ids.indexOf(leader);
  }

  async remove(): Promise<void> {
    await Promise.all(this.members.map((m) => m.remove()));
  }
}
