/**
 * A bound on an XClient's connections: when a list changes (a registry's does, day 7),
 * the clients of servers no longer on it are closed once their calls are done, so that
 * a list that churns does not collect connections. XClient runs it whenever it dials a
 * server it has no client for. Added on day 6.
 */
import type { Client } from '../client.ts';
import type { Discovery } from '../xclient/discovery.ts';

/**
 * Closes the idle clients in `clients` (rpcAddr -> its dial) of servers that `discovery`
 * no longer lists; `dialled` is kept whatever the list says. A list that cannot be read
 * says nothing: then nothing is closed. Never rejects.
 */
export async function closeUnlisted(
  clients: Map<string, Promise<Client>>,
  discovery: Discovery,
  dialled: string,
): Promise<void> {
  const all = await discovery.getAll().catch((): string[] => []);
  if (all.length === 0) return;
  const listed = new Set([...all, dialled]);
  for (const [rpcAddr, dialing] of clients) {
    if (listed.has(rpcAddr)) continue;
    const client = await dialing.catch(() => undefined);
    if (client === undefined || client.pending > 0 || clients.get(rpcAddr) !== dialing) continue;
    clients.delete(rpcAddr);
    void client.close();
  }
}
