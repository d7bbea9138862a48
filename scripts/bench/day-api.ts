/**
 * The little of a day folder the bench relies on, typed here because the day is picked
 * at run time (`--day N`) and imported by path: the Server's constructor, `accept`,
 * `close` and (from day 3) `register`; the Client's `dial`, `call` and `close`.
 * A day is named (`day7-registry`, in this tree) or given as an absolute folder (a copy
 * of it elsewhere, as the A/B mode makes).
 */
import { existsSync, readdirSync } from 'node:fs';
import type net from 'node:net';
import { isAbsolute } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

// A file of a day: `day` is a day folder's name in this tree, or an absolute folder.
function dayFile(day: string, file: string): URL {
  return isAbsolute(day) ? pathToFileURL(`${day}/${file}`) : new URL(`${day}/${file}`, root);
}

/** Whether the day has a client of its own (day 1 has only a server). */
export function hasClient(day: string): boolean {
  return existsSync(fileURLToPath(dayFile(day, 'client.ts')));
}

export async function importServer(day: string): Promise<ServerModule> {
  return (await import(dayFile(day, 'server.ts').href)) as ServerModule;
}

export async function importClient(day: string): Promise<ClientModule> {
  return (await import(dayFile(day, 'client.ts').href)) as ClientModule;
}
