/**
 * `npm run check:page`: day 5's debug page, as a person sees it, in a real browser.
 * Starts the day 5 demo with `--serve`, opens its page in headless Chromium (Debian's
 * `chromium`, driven by playwright-core), checks what is shown, makes calls and checks
 * that the counts move, checks that a name holding markup shows as text, and takes
 * the screenshots the chapter shows: into a temp folder, or, with `-- --update`, over
 * assets/day5-debug-page*.png. First it renders every chapter's Mermaid diagrams
 * (check-diagrams.ts), with a screenshot of each in a temp folder. Not part of `npm test`,
 * which stays browser-free; CI runs it after installing Chromium.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { xDial } from '../day5-http/client.ts';
import { Server } from '../day5-http/server.ts';
import { checkDiagrams } from './check-diagrams.ts';
import { root } from './days.ts';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PHONE = { width: 390, height: 844 };
// Screenshots go over the chapter's only when asked: a check should not edit the repo.
const SHOTS = process.argv.includes('--update')
  ? join(root, 'assets')
  : mkdtempSync(join(tmpdir(), 'geerpc-page-'));
const DESKTOP = { width: 1000, height: 360 };

if (!existsSync(CHROMIUM)) {
  console.error(`check:page: no browser at ${CHROMIUM}.`);
  console.error(
    'Install one (Debian/Ubuntu: sudo apt-get install -y chromium) or set CHROMIUM_PATH.',
  );
  process.exit(1);
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
let demo: { child: ChildProcess; url: string } | undefined;
try {
  // The diagrams' screenshots are to look at, never the chapter's: always a temp folder.
  const diagramShots = SHOTS.startsWith(tmpdir()) ? SHOTS : mkdtempSync(join(tmpdir(), 'geerpc-'));
  const diagrams = await checkDiagrams(browser, diagramShots);
  if (diagrams.failed.length > 0) {
    process.exitCode = 1;
    console.error(diagrams.failed.map((line) => `check:page: ${line}`).join('\n'));
  } else {
    console.log(`check:page: all ${diagrams.count} Mermaid diagrams of the chapters render`);
    console.log(`check:page: a screenshot of each in ${diagramShots}`);
  }
  demo = await startDemo();
  await checkDemoPage(browser, demo.url);
  await checkEscaping(browser);
  console.log('check:page: the page shows services and live counts, escapes names, fits a phone');
  console.log(`check:page: screenshots in ${SHOTS}`);
} finally {
  await browser.close();
  if (demo !== undefined) {
    demo.child.kill('SIGINT');
    await once(demo.child, 'exit');
  }
}

// The demo server, serving until told to stop; its page's URL is on its output.
async function startDemo(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import=tsx', 'day5-http/main.ts', '--serve'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  for await (const chunk of child.stdout ?? []) {
    output += chunk;
    const url = output.match(/debug page: (http:\/\/\S+)/)?.[1];
    if (url !== undefined) return { child, url };
  }
  throw new Error(`check:page: the demo exited without a debug URL:\n${output}`);
}

async function checkDemoPage(browser: Browser, url: string): Promise<void> {
  const page = await browser.newPage({ viewport: DESKTOP });
  await page.goto(url);
  assert.equal(await page.title(), 'GeeRPC services');
  assert.equal(
    await page
      .locator('h2')
      .allTextContents()
      .then((h) => h.join()),
    'Service Foo',
  );
  const before = await callsOf(page, 'sum');
  assert.equal(before, 5, 'the demo made five calls before it printed the URL');

  // Three more calls and one to a method that does not exist, from a client that stays
  // connected; then reload, as a person would (or wait for the page to).
  const client = await xDial(`http@${new URL(url).host}`);
  try {
    for (const n of [1, 2, 3]) await client.call('Foo.sum', { num1: n, num2: n });
    await client.call('Foo.nope', {}).catch(() => {});
    await page.reload();
    assert.equal(await callsOf(page, 'sum'), before + 3, 'the count moved after three calls');
    assert.equal(await stat(page, 'RPC connections open'), 1);
    assert.equal(await stat(page, 'Error responses'), 1);
    await page.screenshot({ path: join(SHOTS, 'day5-debug-page.png'), fullPage: true });
    await page.setViewportSize(PHONE);
    await assertFits(page, 'demo page');
    await page.screenshot({ path: join(SHOTS, 'day5-debug-page-phone.png') });
  } finally {
    await client.close();
    await page.close();
  }
}

// The Calls cell of a method's row, as shown.
async function callsOf(page: Page, method: string): Promise<number> {
  const row = page.locator('tr', {
    has: page.locator('td', { hasText: new RegExp(`^${method}$`) }),
  });
  return Number(await row.locator('td').nth(1).textContent());
}

// One of the figures at the top of the page, as shown.
async function stat(page: Page, name: string): Promise<number> {
  return Number(await page.locator('dl div', { hasText: name }).locator('dd').textContent());
}

// A server whose names hold markup: they must show as text, and nothing may run.
async function checkEscaping(browser: Browser): Promise<void> {
  const markup = '<script>window.ran = true</script>';
  const longName = `aVeryLongMethodName${'X'.repeat(150)}`;
  class Evil {
    [markup](): void {}
    [longName](): void {}
  }
  Object.defineProperty(Evil, 'name', { value: '<b>Bold</b>' });
  const server = new Server({ log: () => {} });
  server.register(new Evil());
  const httpServer = http.createServer();
  server.handleHTTP(httpServer);
  httpServer.listen(0, '127.0.0.1');
  await once(httpServer, 'listening');
  try {
    const page = await browser.newPage({ viewport: PHONE });
    await page.goto(`http://127.0.0.1:${(httpServer.address() as AddressInfo).port}/debug/geerpc`);
    assert.equal(await page.locator('h2').textContent(), 'Service <b>Bold</b>');
    assert.equal(await page.locator('b').count(), 0, 'no <b> element was made');
    const cells = await page.locator('td:first-child').allTextContents();
    assert.ok(cells.includes(markup), `the name shows as text: ${cells.join(' | ')}`);
    assert.equal(await page.evaluate('window.ran'), undefined, 'the script did not run');
    await assertFits(page, 'page with a 169-character method name');
    await page.close();
  } finally {
    await server.close();
  }
}

// Nothing wider than the window: no sideways scrolling on a phone.
async function assertFits(page: Page, what: string): Promise<void> {
  // A string, run in the page: this file is type-checked for Node, without the DOM's types.
  const [scrollWidth, innerWidth] = (await page.evaluate(
    '[document.documentElement.scrollWidth, window.innerWidth]',
  )) as [number, number];
  assert.ok(
    scrollWidth <= innerWidth,
    `${what}: ${scrollWidth} px wide in a ${innerWidth} px window`,
  );
}
