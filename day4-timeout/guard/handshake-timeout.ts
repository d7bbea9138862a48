/**
 * A bound on the handshake: the option frame must arrive within `handshakeTimeout`, or
 * the connection is destroyed. Without it, a client that connects and sends one byte
 * (or none) holds its socket, and the memory behind it, for as long as it likes. The
 * server reads the option through it, before anything else. Added on day 4.
 */
import type { Socket } from 'node:net';
import type { FrameReader } from '../codec/frame.ts';

/** The first frame, or null if the client left first; rejects once `ms` have passed (0 = never). */
export async function readOptionFrame(
  conn: Socket,
  reader: FrameReader,
  ms: number,
): Promise<Buffer | null> {
  if (!(ms > 0)) return reader.read();
  const timeUp = () => conn.destroy(new Error(`handshake timeout: no option within ${ms} ms`));
  const timer = setTimeout(timeUp, ms).unref();
  try {
    return await reader.read(); // rejects with the error above if the timer fires
  } finally {
    clearTimeout(timer);
  }
}
