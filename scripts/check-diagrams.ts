/**
 * Part of `npm run check:page`: every ```mermaid block of every chapter (and of the root
 * README) rendered by Mermaid in the same headless Chromium, all in one page load. A block
 * that does not render fails the check, named by its chapter and line. Mermaid (210 MB
 * with its dependencies) lives in .ci/mermaid with a lockfile of its own, installed on
 * first use, so that a learner's `npm ci` does not download it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { listDays, root } from './days.ts';

const MERMAID_DIR = join(root, '.ci', 'mermaid');
const MERMAID_JS = join(MERMAID_DIR, 'node_modules', 'mermaid', 'dist', 'mermaid.esm.min.mjs');

/** One diagram, where a reader finds it. */
export interface Diagram {
  file: string;
  index: number;
  line: number;
  source: string;
}

/** The ```mermaid blocks of one Markdown file, numbered from 1 in reading order. */
export function diagramsIn(file: string, text: string): Diagram[] {
  const found: Diagram[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```mermaid') continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    if (end === -1) throw new Error(`${file}:${i + 1}: a mermaid block that never closes`);
    found.push({
      file,
      index: found.length + 1,
      line: i + 1,
      source: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return found;
}

/** Renders every chapter's diagrams; returns how many, and a line per one that fails. */
export async function checkDiagrams(
  browser: Browser,
  shots?: string,
): Promise<{ count: number; failed: string[] }> {
  const files = ['README.md', ...listDays().map((day) => `${day}/README.md`)];
  const diagrams = files.flatMap((f) => diagramsIn(f, readFileSync(join(root, f), 'utf8')));
  const page = await browser.newPage({ viewport: { width: 900, height: 600 } });
  try {
    await loadMermaid(page);
    // A string, run in the page: this file is type-checked for Node, without the DOM's types.
    const results = (await page.evaluate(`(async (sources) => {
      mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' });
      const out = [];
      for (const [i, source] of sources.entries()) {
        try {
          const { svg } = await mermaid.render('diagram' + i, source);
          out.push(svg.includes('<svg') ? { svg } : { error: 'no <svg> in the output' });
        } catch (e) {
          out.push({ error: String(e && e.message ? e.message : e) });
        }
      }
      return out;
    })(${JSON.stringify(diagrams.map((d) => d.source))})`)) as Rendered[];
    const failed = diagrams.flatMap((d, i) => {
      const error = results[i]?.error;
      if (error === undefined) return [];
      // Mermaid counts lines from the block's first; a reader wants the chapter's.
      const at = Number(/on line (\d+)/.exec(error)?.[1] ?? 0);
      return [
        `${d.file}:${d.line + at}: diagram ${d.index} of the chapter does not render: ${error}`,
      ];
    });
    if (failed.length === 0 && shots !== undefined)
      await screenshot(page, diagrams, results, shots);
    return { count: diagrams.length, failed };
  } finally {
    await page.close();
  }
}

type Rendered = { svg?: string; error?: string };

// Mermaid's ES module build, served to the page from node_modules by a route that answers
// every request of the page: nothing reaches the network. The module build loads only the
// chunks a sequence diagram needs, about twice as fast as the 5.7 MB single-file build.
async function loadMermaid(page: Page): Promise<void> {
  const dist = dirname(mermaidBundle());
  await page.route('**/*', async (route) => {
    const path = new URL(route.request().url()).pathname;
    if (path === '/') {
      const html = `<!doctype html><script type="module">
        import mermaid from '/mermaid.esm.min.mjs'; window.mermaid = mermaid;</script>`;
      return route.fulfill({ contentType: 'text/html', body: html });
    }
    const file = resolve(dist, `.${path}`);
    if (!file.startsWith(`${dist}/`) || !existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ path: file, contentType: 'text/javascript' });
  });
  await page.goto('http://mermaid.invalid/');
  await page.waitForFunction('window.mermaid !== undefined');
}

// One PNG per diagram, named after its chapter: to look at, not to check in.
async function screenshot(
  page: Page,
  diagrams: Diagram[],
  results: Rendered[],
  shots: string,
): Promise<void> {
  for (const [i, d] of diagrams.entries()) {
    await page.setContent(
      `<!doctype html><html><body style="margin:8px">${results[i]?.svg}</body></html>`,
    );
    const name = `${d.file.split('/')[0]?.replace('.md', '')}-diagram-${d.index}.png`;
    await page
      .locator('svg')
      .first()
      .screenshot({ path: join(shots, name) });
  }
}

// The bundle's path, after installing .ci/mermaid from its lockfile if it is not there yet.
function mermaidBundle(): string {
  if (!existsSync(MERMAID_JS)) {
    console.log('check:page: installing Mermaid into .ci/mermaid (once; about 210 MB)');
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const run = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], {
      cwd: MERMAID_DIR,
      stdio: 'inherit',
    });
    if (run.status !== 0 || !existsSync(MERMAID_JS)) {
      throw new Error(`check:page: could not install Mermaid (cd .ci/mermaid && npm ci)`);
    }
  }
  return MERMAID_JS;
}
