/**
 * Tests of the bound on one connection's requests in flight. Added on day 1.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { DAY } from '../test-helpers.ts';
import { InFlight } from './in-flight.ts';

// A request's handling that finishes when the test says so.
function handling(): { done: Promise<void>; finish: () => void } {
  let finish = () => {};
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  return { done, finish };
}

describe(`${DAY}: requests in flight`, () => {
  test('has no room past maxCount requests until one finishes', async () => {
    const inFlight = new InFlight(2, 1024);
    const [a, b] = [handling(), handling()];
    inFlight.add(10, a.done);
    inFlight.add(10, b.done);
    assert.equal(inFlight.full, true);
    let room = false;
    void inFlight.room().then(() => {
      room = true;
    });
    await tick();
    assert.equal(room, false, 'room() resolved with two of two in flight');
    a.finish();
    await tick();
    assert.equal(room, true);
  });

  test('has no room past maxBytes, however few the requests', () => {
    const inFlight = new InFlight(256, 1024);
    inFlight.add(1024, handling().done);
    assert.equal(inFlight.full, true);
  });

  test('idle() waits for the last request to finish', async () => {
    const inFlight = new InFlight(4, 1024);
    const a = handling();
    inFlight.add(1, a.done);
    let idle = false;
    void inFlight.idle().then(() => {
      idle = true;
    });
    await tick();
    assert.equal(idle, false);
    a.finish();
    await tick();
    assert.equal(idle, true);
  });

  test('wakes every waiter when a request finishes, room() and idle() alike', async () => {
    const inFlight = new InFlight(1, 1024);
    const a = handling();
    inFlight.add(1, a.done);
    const woken: string[] = [];
    void inFlight.room().then(() => woken.push('room'));
    void inFlight.idle().then(() => woken.push('idle'));
    a.finish();
    await tick();
    assert.deepEqual(woken.sort(), ['idle', 'room']);
  });

  test("past the server's bytes, every connection with a request in flight waits, and wakes when any request finishes", async () => {
    const server = new InFlight(Number.POSITIVE_INFINITY, 100);
    const [one, two] = [new InFlight(256, 1024, server), new InFlight(256, 1024, server)];
    const [a, b] = [handling(), handling()];
    one.add(100, a.done); // one connection's request takes all the server allows
    two.add(1, b.done);
    assert.equal(two.full, true, 'another connection has no room either');
    let room = false;
    void two.room().then(() => {
      room = true;
    });
    await tick();
    assert.equal(room, false);
    a.finish();
    await tick();
    assert.equal(room, true);
    b.finish();
  });

  test('a connection with nothing in flight may read one request while handlers that never end hold all the server allows', () => {
    const server = new InFlight(Number.POSITIVE_INFINITY, 100);
    const [stuck, fresh] = [new InFlight(256, 1024, server), new InFlight(256, 1024, server)];
    stuck.add(100, new Promise(() => {})); // a client whose handlers never resolve
    assert.equal(stuck.full, true);
    assert.equal(fresh.full, false, 'another client was starved');
    fresh.add(10, handling().done);
    assert.equal(fresh.full, true, 'one request, not more');
  });

  test('a reply counts until sent() says the socket took it, oldest first, and that wakes a waiter', async () => {
    const inFlight = new InFlight(256, 100);
    inFlight.sending(60);
    inFlight.sending(40);
    assert.equal(inFlight.full, true, 'unsent replies count as bytes in flight');
    let room = false;
    void inFlight.room().then(() => {
      room = true;
    });
    await tick();
    assert.equal(room, false);
    inFlight.sent(); // the 60 bytes written first
    await tick();
    assert.equal(room, true);
  });

  test('a connection with a reply unsent waits while the server is full; one with nothing in flight does not', () => {
    const server = new InFlight(Number.POSITIVE_INFINITY, 100);
    const [slow, fresh] = [new InFlight(256, 1024, server), new InFlight(256, 1024, server)];
    slow.sending(100); // a client that does not read its replies
    assert.equal(slow.full, true, 'its unsent reply is in flight');
    assert.equal(fresh.full, false, 'another client was starved');
  });
});
