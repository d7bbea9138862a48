/**
 * The little of a day folder the bench relies on, typed here because the day is picked
 * at run time (`--day N`) and imported by path: the Server's constructor, `accept`,
 * `close` and (from day 3) `register`; the Client's `dial`, `call` and `close`.
 */
import { existsSync, readdirSync } from 'node:fs';
import type net from 'node:net';
import { fileURLToPath } from 'node:url';

export interface DayServer {
  accept(listener: net.Server): void;
  close(): Promise<void>;
  register?(receiver: object): void; // days 1-2 have none: they answer with a canned reply
}

export interface DayClient {
  call(serviceMethod: string, args: unknown, options?: { signal?: AbortSignal }): Promise<unknown>;
  close(): Promise<void>;
}

export type CodecType = 'application/json' | 'application/msgpack' | 'application/yaml';

interface ServerModule {
  Server: new (options?: { log?: (message: string) => void }) => DayServer;
}

interface ClientModule {
  dial(network: 'tcp', address: string, option?: { codecType?: CodecType }): Promise<DayClient>;
}

const root = new URL('../../', import.meta.url);

/** The day folders, in order: `day1-codec`, `day2-client`, ... */
export function listDays(): string[] {
  return readdirSync(root)
    .filter((name) => /^day\d-/.test(name))
    .sort();
}

/** Whether the day has a client of its own (day 1 has only a server). */
export function hasClient(day: string): boolean {
  return existsSync(fileURLToPath(new URL(`${day}/client.ts`, root)));
}

export async function importServer(day: string): Promise<ServerModule> {
  return (await import(new URL(`${day}/server.ts`, root).href)) as ServerModule;
}

export async function importClient(day: string): Promise<ClientModule> {
  return (await import(new URL(`${day}/client.ts`, root).href)) as ClientModule;
}
