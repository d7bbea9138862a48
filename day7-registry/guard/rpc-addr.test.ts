/**
 * Tests of isRpcAddr: one spelling per server. Each spelling below names a server that
 * a plain spelling names too, and the registry must not list it twice. Added on day 7.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DAY } from '../test-helpers.ts';
import { isRpcAddr } from './rpc-addr.ts';

describe(`${DAY}: rpc addresses`, () => {
  test('the plain spellings are accepted', () => {
    for (const addr of [
      'tcp@127.0.0.1:8080',
      'tcp@localhost:8080',
      'tcp@host.example:1',
      'tcp@0xdead.example:1', // a name, not a number: one label is not numeric
      'tls@127.0.0.1:8443', // GeeRPC over TLS (chapter 5)
      'http@[::1]:80',
      'http@[2001:db8::1]:80',
      'http@[fe80::1:2]:80',
      'unix@/tmp/a.sock',
      'unix@/tmp/.a.sock',
      'unix@a.sock',
    ]) {
      assert.equal(isRpcAddr(addr), true, addr);
    }
  });

  test('an IPv4 address in another base or shape is refused (the resolver reads it as 127.0.0.1)', () => {
    for (const addr of [
      'tcp@0x7f.0.0.1:80',
      'tcp@0x7f000001:80',
      'tcp@0177.0.0.1:80',
      'tcp@2130706433:80',
      'tcp@127.1:80',
      'tcp@127..0.1:80',
      'tcp@127.0.0.1.:80',
    ]) {
      assert.equal(isRpcAddr(addr), false, addr);
    }
  });

  // Both passed, and both dial the server of whoever dials them: a second spelling of a
  // server on 0.0.0.0, and for every other client a server of its own machine.
  test('every-interface addresses are refused: 0.0.0.0 and [::] name no one server', () => {
    for (const addr of ['tcp@0.0.0.0:80', 'http@[::]:80', 'tls@0.0.0.0:443']) {
      assert.equal(isRpcAddr(addr), false, addr);
    }
  });

  test('a name in upper or mixed case, or with a final dot, is refused (DNS reads it as the lower-case name)', () => {
    for (const addr of [
      'tcp@LOCALHOST:80',
      'tcp@LocalHost:80',
      'http@Host.Example:1',
      'tcp@localhost.:80',
    ]) {
      assert.equal(isRpcAddr(addr), false, addr);
    }
  });

  test('an IPv6 address not as RFC 5952 writes it, unbracketed or IPv4-mapped, is refused', () => {
    for (const addr of [
      'tcp@[::ffff:127.0.0.1]:80',
      'tcp@[::ffff:7f00:1]:80',
      'tcp@[::FFFF:7f00:1]:80',
      'tcp@[0:0:0:0:0:0:0:1]:80',
      'tcp@[::0001]:80',
      'tcp@[::127.0.0.1]:80',
      'tcp@[2001:DB8::1]:80',
      'tcp@[::1%lo]:80',
      'tcp@::1:80',
      'tcp@[::1:80',
    ]) {
      assert.equal(isRpcAddr(addr), false, addr);
    }
  });

  test('a socket path with an empty, . or .. segment, or a final slash, is refused', () => {
    for (const addr of [
      'unix@/tmp//a.sock',
      'unix@//tmp/a.sock',
      'unix@/tmp/./a.sock',
      'unix@/tmp/x/../a.sock',
      'unix@/tmp/a.sock/',
      'unix@./a.sock',
    ]) {
      assert.equal(isRpcAddr(addr), false, addr);
    }
  });
});
