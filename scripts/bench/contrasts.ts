/**
 * A bench process for the two contrasts the chapters quote, client and server in this
 * one process, as they were first measured. Day 1: one caller, one write per message
 * with Nagle off, against prefix and payload written apart with Nagle on. Day 2: one
 * client with 100 calls in flight, with the codec's corking and with corking disabled.
 */
import { once } from 'node:events';
import net from 'node:net';
import { importClient, importServer, listDays } from './day-api.ts';
import { frames, prefix, RawConn, SUM_BODY } from './framing.ts';
import { serveParent } from './processes.ts';

export interface Contrast {
  name: string;
  callsPerSec: number;
}

// Starts `day`'s server on a free port; `close` stops it and its listener.
async function startServer(day: string) {
  const { Server } = await importServer(day);
  const server = new Server({ log: () => {} });
  const listener = net.createServer();
  server.accept(listener);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  return { port: (listener.address() as net.AddressInfo).port, close: () => server.close() };
}

// Calls per second for one caller, one call after another. With `split`, each frame's
// prefix and payload are two writes and Nagle's algorithm is left on: the receiver waits
// for the payload, holds back its ACK, and the sender holds back the payload for the ACK.
async function sequential(port: number, split: boolean, seconds: number): Promise<number> {
  const conn = await RawConn.connect(port, !split);
  await conn.handshake();
  let calls = 0;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const header = Buffer.from(
      JSON.stringify({ serviceMethod: 'Foo.Sum', seq: calls + 1, error: '' }),
    );
    if (split) {
      for (const payload of [header, SUM_BODY]) {
        conn.socket.write(prefix(payload));
        conn.socket.write(payload);
      }
    } else {
      conn.socket.write(frames(header, SUM_BODY));
    }
    await conn.expect(2);
    calls++;
  }
  await conn.close();
  return calls / seconds;
}

// Calls per second for one day-2 client that keeps `inFlight` calls going at all times.
async function concurrent(day: string, port: number, inFlight: number, seconds: number) {
  const { dial } = await importClient(day);
  const client = await dial('tcp', `127.0.0.1:${port}`);
  let calls = 0;
  const end = performance.now() + seconds * 1000;
  const worker = async () => {
    while (performance.now() < end) {
      await client.call('Foo.Sum', 'req');
      calls++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  await client.close();
  return calls / seconds;
}

async function dayOneContrast(day: string, seconds: number): Promise<Contrast[]> {
  const server = await startServer(day);
  const whole = await sequential(server.port, false, seconds);
  const split = await sequential(server.port, true, seconds);
  await server.close();
  return [
    { name: `${day}: one caller, one write per message, Nagle off`, callsPerSec: whole },
    { name: `${day}: one caller, prefix and payload as two writes, Nagle on`, callsPerSec: split },
  ];
}

async function dayTwoContrast(day: string, seconds: number): Promise<Contrast[]> {
  const server = await startServer(day);
  const corked = await concurrent(day, server.port, 100, seconds);
  // The contrast: cork() and uncork() do nothing, so every message is its own write.
  // This patches every socket in the process, which is why the contrasts have one.
  const { cork, uncork } = net.Socket.prototype;
  net.Socket.prototype.cork = () => {};
  net.Socket.prototype.uncork = () => {};
  const uncorked = await concurrent(day, server.port, 100, seconds).finally(() =>
    Object.assign(net.Socket.prototype, { cork, uncork }),
  );
  await server.close();
  return [
    { name: `${day}: 100 calls in flight, corking on`, callsPerSec: corked },
    { name: `${day}: 100 calls in flight, corking off`, callsPerSec: uncorked },
  ];
}

serveParent(
  {},
  {
    run: async ({ seconds }: { seconds: number }): Promise<Contrast[]> => {
      const days = listDays();
      const dayOne = days.find((day) => day.startsWith('day1-'));
      const dayTwo = days.find((day) => day.startsWith('day2-'));
      return [
        ...(dayOne === undefined ? [] : await dayOneContrast(dayOne, seconds)),
        ...(dayTwo === undefined ? [] : await dayTwoContrast(dayTwo, seconds)),
      ];
    },
  },
);
