/**
 * Demo support, not part of the framework: the flags of main.ts (`--codec`, `--trace`,
 * `--help`). `--trace` puts a tiny TCP proxy between client and server that prints
 * every frame as it crosses the wire, so you can see the protocol. Added on day 1;
 * day 5 let a demo add flags of its own, and shows an HTTP head before the frames.
 */
import net from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { type CodecType, encodings } from './codec/codec.ts';
import { FrameParser } from './codec/frame.ts';

export interface DemoFlags {
  codecType: CodecType;
  trace: boolean;
  /** The demo's own flags that were given, by name. */
  extra: Set<string>;
}

const CODECS = Object.keys(encodings).map((type) => type.replace('application/', ''));
const SCRIPT = relative('.', process.argv[1] ?? 'main.ts');

/**
 * Reads `--codec` and `--trace`, and `extra`, the demo's own boolean flags (name to help
 * text). Answers `--help`, and refuses anything else in one line.
 */
export function demoFlags(extra: Record<string, string> = {}): DemoFlags {
  // `| head` closes our output early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(0);
  });
  const values = parseFlags(extra);
  if (values.help === true) {
    console.log(usage(extra));
    process.exit(0);
  }
  const codecType = `application/${values.codec}`;
  if (!Object.hasOwn(encodings, codecType)) {
    refuse(`unknown --codec ${values.codec}; choose one of: ${CODECS.join(', ')}`);
  }
  const given = new Set(Object.keys(extra).filter((name) => values[name] === true));
  return { codecType: codecType as CodecType, trace: values.trace === true, extra: given };
}

function usage(extra: Record<string, string>): string {
  const names = Object.keys(extra).map((name) => ` [--${name}]`);
  const lines = Object.entries(extra).map(([name, help]) => `\n  --${name.padEnd(12)}${help}`);
  return `usage: npx tsx ${SCRIPT} [--codec ${CODECS.join('|')}] [--trace]${names.join('')}
  --codec NAME  the codec of every frame after the option (default: json)
  --trace       print every frame that crosses the wire${lines.join('')}
  --help        print this text`;
}

function parseFlags(extra: Record<string, string>) {
  const own = Object.fromEntries(Object.keys(extra).map((name) => [name, { type: 'boolean' }]));
  try {
    return parseArgs({
      options: {
        ...(own as Record<string, { type: 'boolean' }>),
        codec: { type: 'string', default: 'json' },
        trace: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values as Record<string, string | boolean | undefined>;
  } catch (err) {
    // Node's first sentence names the flag ("Unknown option '--x'"); the rest is advice
    // about positionals that this demo does not take.
    return refuse((err as Error).message.split('. ')[0]);
  }
}

function refuse(message: string): never {
  console.error(`${message} (see --help)`);
  process.exit(2);
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
// codec of every frame after it. An HTTP head before the frames (CONNECT and its
// answer, day 5) is printed as text, its CRLFs shown.
function tap(label: string, wire: { codecType: CodecType }, print: (line: string) => void) {
  const parser = new FrameParser();
  let count = 0;
  let lost = false; // set once these bytes stop making sense as frames
  // The next frame, or undefined. Bytes that are not frames at all (a browser pointed
  // at the proxy, say) end the printing, not the proxy: it still forwards them.
  const take = () => {
    try {
      return parser.take();
    } catch (err) {
      lost = true;
      print(`${label}  not GeeRPC frames, no longer shown: ${(err as Error).message}`);
      return undefined;
    }
  };
  return (chunk: Buffer) => {
    if (lost) return;
    // Demo shortcut: the head is taken to arrive in one chunk, as it does on loopback.
    const end = /^(CONNECT|HTTP\/)/.test(chunk.toString('latin1', 0, 8))
      ? chunk.indexOf('\r\n\r\n') + 4
      : 0;
    if (count === 0 && end >= 4) {
      const head = chunk.toString('latin1', 0, end).replaceAll('\r\n', '\\r\\n\n').trimEnd();
      print(`${label}  http   ${head.replaceAll('\n', `\n${' '.repeat(label.length + 9)}`)}`);
      chunk = chunk.subarray(end);
    }
    parser.push(chunk);
    for (let payload = take(); payload !== undefined; payload = take()) {
      const kind = count === 0 ? 'option' : count % 2 === 1 ? 'header' : 'body';
      const value = decode(payload, count === 0 ? 'application/json' : wire.codecType);
      if (count === 0 && label.startsWith('client')) {
        wire.codecType = (value as { codecType?: CodecType } | null)?.codecType ?? wire.codecType;
      }
      // Padded so that the decoded column lines up for frames of up to 999 bytes.
      const size = `4+${payload.length} bytes`.padEnd(11);
      print(`${label}  ${kind.padEnd(6)} ${size}  ${JSON.stringify(value)}`);
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
