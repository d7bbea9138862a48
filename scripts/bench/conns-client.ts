/**
 * A bench client process that opens many idle connections, for the server memory figures.
 * Against a GeeRPC server each connection completes the option handshake (the server then
 * holds a codec and a pending read for it); against the bare server it only connects.
 */
import { RawConn } from './framing.ts';
import { serveParent } from './processes.ts';

// Connections opened at once. The server's accept backlog is 1024; staying well under it
// means no SYN is dropped and retried a second later, which would only add waiting.
const BATCH = 100;

const [portArg, mode] = process.argv.slice(2);
const port = Number(portArg);
const conns: RawConn[] = [];

async function openOne(): Promise<void> {
  const conn = await RawConn.connect(port);
  conns.push(conn);
  if (mode === 'handshake') await conn.handshake();
}

serveParent(
  {},
  {
    open: async ({ count }: { count: number }) => {
      while (conns.length < count) {
        const batch = Math.min(BATCH, count - conns.length);
        await Promise.all(Array.from({ length: batch }, openOne));
      }
      return conns.length;
    },
  },
  async () => {
    await Promise.all(conns.map((conn) => conn.close()));
  },
);
