/**
 * Demo support, not part of the framework: the `--codec` and `--trace` flags of
 * main.ts. `--trace` puts a tiny TCP proxy between client and server that prints
 * every frame as it crosses the wire, so you can see the protocol. Added on day 1.
 */
import net from 'node:net';
import { parseArgs } from 'node:util';
import { type CodecType, encodings } from './codec/codec.ts';
import { FrameParser } from './codec/frame.ts';

export interface DemoFlags {
  codecType: CodecType;
  trace: boolean;
}

/** Reads `--codec json|msgpack|yaml` and `--trace` from the command line. */
export function demoFlags(): DemoFlags {
  const { values } = parseArgs({
    options: { codec: { type: 'string', default: 'json' }, trace: { type: 'boolean' } },
  });
  const codecType = `application/${values.codec}`;
  if (!Object.hasOwn(encodings, codecType)) {
    const known = Object.keys(encodings).map((type) => type.replace('application/', ''));
    console.error(`unknown --codec ${values.codec}; choose one of: ${known.join(', ')}`);
    process.exit(2);
  }
  return { codecType: codecType as CodecType, trace: values.trace === true };
}

export interface Trace {
  port: number; // connect here instead of to the server
  close(): Promise<void>;
}

/** Starts a proxy on a free loopback port that forwards to `port` and prints every frame. */
export async function startTrace(port: number, print = console.log): Promise<Trace> {
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const server = net.connect(port, '127.0.0.1');
    const wire = { codecType: 'application/json' as CodecType };
    for (const [from, to, label] of [
      [client, server, 'client → server'],
      [server, client, 'server → client'],
    ] as const) {
      sockets.add(from);
      from.once('close', () => sockets.delete(from));
      from.on('error', () => to.destroy());
      from.on('close', () => to.destroy());
      from.on('data', tap(label, wire, print));
      from.pipe(to);
    }
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    port: (proxy.address() as net.AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => proxy.close(() => resolve()));
    },
  };
}

// Returns a 'data' listener that cuts one direction's bytes into frames and prints them.
// The first frame each way is JSON (the option and its reply); the option names the
// codec of every frame after it.
function tap(label: string, wire: { codecType: CodecType }, print: (line: string) => void) {
  const parser = new FrameParser();
  let count = 0;
  return (chunk: Buffer) => {
    parser.push(chunk);
    for (let payload = parser.take(); payload !== undefined; payload = parser.take()) {
      const kind = count === 0 ? 'option' : count % 2 === 1 ? 'header' : 'body';
      const value = decode(payload, count === 0 ? 'application/json' : wire.codecType);
      if (count === 0 && label.startsWith('client')) {
        wire.codecType = (value as { codecType: CodecType }).codecType;
      }
      print(`${label}  ${kind.padEnd(6)} 4+${payload.length} bytes  ${JSON.stringify(value)}`);
      print(`${' '.repeat(label.length)}  ${hex(payload)}`);
      count++;
    }
  };
}

function decode(payload: Buffer, codecType: CodecType): unknown {
  try {
    return encodings[codecType].decode(payload);
  } catch {
    return '(cannot decode)';
  }
}

// The frame as it is on the wire: length prefix | payload (at most 48 payload bytes).
function hex(payload: Buffer): string {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(payload.length);
  const shown = payload
    .subarray(0, 48)
    .toString('hex')
    .replace(/(..)(?!$)/g, '$1 ');
  const more = payload.length > 48 ? ' …' : '';
  return `${prefix.toString('hex').replace(/(..)(?!$)/g, '$1 ')} | ${shown}${more}`;
}
