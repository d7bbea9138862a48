/**
 * Tests of GeeRPC over TLS: a server that accepts on a `node:tls` listener, `tls@` in
 * xDial, and a client that refuses a certificate it does not trust. The certificate is
 * made here at run time (see selfSigned below): no file, no network. Added on day 5.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import tls from 'node:tls';
import { dial, xDial } from './client.ts';
import { Server } from './server.ts';
import { DAY, Foo } from './test-helpers.ts';

// A minimal self-signed X.509 certificate, built as DER by hand: Node 20 can make keys
// and signatures but not certificates, and a test must not depend on `openssl` being
// installed. An EC P-256 key, one hour of validity, and the one extension a client
// checks: subjectAltName IP 127.0.0.1, the host the tests dial.
function der(tag: number, ...parts: Buffer[]): Buffer {
  const body = Buffer.concat(parts);
  const n = body.length; // DER lengths: one byte below 128, else 0x81 or 0x82 and the bytes
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}
const seq = (...parts: Buffer[]) => der(0x30, ...parts);
const oid = (hex: string) => der(0x06, Buffer.from(hex, 'hex'));
const ECDSA_WITH_SHA256 = seq(oid('2a8648ce3d040302')); // 1.2.840.10045.4.3.2
const utcTime = (ms: number) =>
  der(
    0x17,
    Buffer.from(
      `${new Date(ms)
        .toISOString()
        .replace(/[-:T]|\.\d+/g, '')
        .slice(2)}`,
    ),
  );

function selfSigned(commonName: string): { key: string; cert: string } {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = seq(der(0x31, seq(oid('550403'), der(0x0c, Buffer.from(commonName))))); // CN
  const ip127 = der(0x87, Buffer.from([127, 0, 0, 1])); // GeneralName iPAddress
  const subjectAltName = seq(oid('551d11'), der(0x04, seq(ip127))); // 2.5.29.17
  const now = Date.now();
  const tbs = seq(
    der(0xa0, der(0x02, Buffer.from([2]))), // version 3
    der(0x02, Buffer.from([1])), // serial number
    ECDSA_WITH_SHA256,
    name, // issuer: itself
    seq(utcTime(now - 60_000), utcTime(now + 3_600_000)),
    name, // subject
    publicKey.export({ type: 'spki', format: 'der' }),
    der(0xa3, seq(subjectAltName)),
  );
  const signature = der(0x03, Buffer.from([0]), sign('sha256', tbs, privateKey));
  const base64 = seq(tbs, ECDSA_WITH_SHA256, signature).toString('base64');
  const lines = base64.match(/.{1,64}/g)?.join('\n'); // PEM: 64 a line, and no empty one
  const cert = `-----BEGIN CERTIFICATE-----\n${lines}\n-----END CERTIFICATE-----\n`;
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert };
}

const trusted = selfSigned('geerpc test server');

/** A GeeRPC server on a TLS listener on a free loopback port; closed when the test ends. */
async function startTLS(t: TestContext): Promise<{ port: number; logs: string[] }> {
  const logs: string[] = [];
  const server = new Server({ log: (message) => logs.push(message) });
  server.register(new Foo());
  const listener = tls.createServer({ key: trusted.key, cert: trusted.cert });
  server.accept(listener);
  listener.listen(0, '127.0.0.1');
  await once(listener, 'listening');
  t.after(() => server.close());
  return { port: (listener.address() as AddressInfo).port, logs };
}

describe(`${DAY}: GeeRPC over TLS`, () => {
  test('a server accepts on a tls.Server, and xDial reaches it at tls@host:port', async (t) => {
    const { port } = await startTLS(t);
    const client = await xDial(`tls@127.0.0.1:${port}`, { tls: { ca: trusted.cert } });
    t.after(() => client.close());
    const replies = await Promise.all([1, 2, 3].map((n) => client.call('Foo.Sum', { n })));
    assert.deepEqual(replies, [{ echo: { n: 1 } }, { echo: { n: 2 } }, { echo: { n: 3 } }]);
  });

  test('a client refuses a certificate it does not trust (none given, or another), and the server serves the next', async (t) => {
    const { port, logs } = await startTLS(t);
    const stranger = selfSigned('geerpc test server'); // same name, another key
    for (const ca of [undefined, stranger.cert]) {
      await assert.rejects(xDial(`tls@127.0.0.1:${port}`, { tls: { ca } }), {
        code: 'DEPTH_ZERO_SELF_SIGNED_CERT',
      });
    }
    // The server is not hurt: a trusted client is served next.
    const client = await dial('tls', `127.0.0.1:${port}`, { tls: { ca: trusted.cert } });
    t.after(() => client.close());
    assert.deepEqual(await client.call('Foo.Sum', 7), { echo: 7 });
    assert.deepEqual(logs, []);
  });

  test('a client checks the name too: a trusted certificate for another host is refused', async (t) => {
    const { port } = await startTLS(t);
    // The certificate names 127.0.0.1 only; the client is told it is talking to localhost.
    const tlsOptions = { ca: trusted.cert, servername: 'localhost' };
    await assert.rejects(xDial(`tls@127.0.0.1:${port}`, { tls: tlsOptions }), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
    });
  });

  // These two fail by their own timeout without their guard (guard/handshakes.ts).
  test('close() ends a connection still in its TLS handshake at once, not after 120 s', {
    timeout: 2_000,
  }, async (t) => {
    const server = new Server({ log: () => {} });
    const listener = tls.createServer({ key: trusted.key, cert: trusted.cert });
    server.accept(listener);
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    const raw = net.connect((listener.address() as AddressInfo).port, '127.0.0.1'); // says nothing
    t.after(() => raw.destroy());
    await once(listener, 'connection');
    await server.close();
  });

  test("a TLS handshake that outlasts the listener's handshakeTimeout is ended", {
    timeout: 2_000,
  }, async (t) => {
    const server = new Server({ log: () => {} });
    const listener = tls.createServer({ ...trusted, handshakeTimeout: 50 });
    server.accept(listener);
    listener.listen(0, '127.0.0.1');
    await once(listener, 'listening');
    t.after(() => server.close());
    const raw = net.connect((listener.address() as AddressInfo).port, '127.0.0.1'); // says nothing
    raw.on('error', () => {});
    t.after(() => raw.destroy());
    await once(raw, 'close');
  });

  test('plain GeeRPC to a TLS port is a clear dial error, not a hang', async (t) => {
    const { port } = await startTLS(t);
    await assert.rejects(xDial(`tcp@127.0.0.1:${port}`, { connectTimeout: 5_000 }), {
      name: 'RpcError',
      message: /no option reply/,
    });
  });
});
