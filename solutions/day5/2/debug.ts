/**
 * The debug page: what a server publishes and how busy it is, as one HTML page at
 * `/debug/geerpc`. Mirrors GeeRPC's debug.go (a template listing each service, its
 * methods and their call counts); this one also shows connections, calls in flight and
 * error responses, and reloads itself. Added on day 5; exercise 5.2 serves the same
 * figures as JSON beside it.
 */
import type { ServerResponse } from 'node:http';
import { PAGE_HEADERS } from './guard/page-headers.ts';
import type { Service } from './service.ts';

/** What the page shows, read for each request of it. */
export interface DebugInfo {
  services: Iterable<Service>;
  connections: number; // GeeRPC connections open now, by TCP or by CONNECT; not HTTP ones
  inFlight: number; // requests being handled now
  errors: number; // error responses sent so far
  uptimeMs: number;
}

/** How often the page reloads itself, in seconds: a view of the server, live. */
const REFRESH_SECONDS = 5;

/** Answers a GET (or HEAD) of the page. */
export function serveDebugPage(res: ServerResponse, info: DebugInfo): void {
  const page = renderDebugPage(info);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(page),
    'cache-control': 'no-store', // the counts are live: a cached copy would lie
    ...PAGE_HEADERS,
  });
  res.end(page); // Node sends no body for HEAD by itself
}

/**
 * Answers a GET (or HEAD) of the page's figures as JSON, for a script or a dashboard:
 * `{ connections, inFlight, errors, uptimeMs, services: { Foo: { Sum: { numCalls } } } }`.
 */
export function serveDebugJSON(res: ServerResponse, info: DebugInfo): void {
  const body = JSON.stringify({ ...info, services: servicesAsObject(info.services) });
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...PAGE_HEADERS,
  });
  res.end(body);
}

// JSON.stringify writes a Map as `{}`: build plain objects, services and methods by name.
function servicesAsObject(services: Iterable<Service>): Record<string, unknown> {
  const methods = (service: Service) =>
    Object.fromEntries(
      [...service.methods.values()].map((m) => [m.name, { numCalls: m.numCalls }]),
    );
  return Object.fromEntries([...services].map((service) => [service.name, methods(service)]));
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);

/** The page itself: plain HTML, every name escaped, readable from phone to desktop. */
export function renderDebugPage(info: DebugInfo): string {
  const services =
    [...info.services].sort(byName).map(renderService).join('\n') ||
    '<p>No service is registered.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${REFRESH_SECONDS}">
<title>GeeRPC services</title>
<style>${STYLE}</style>
</head>
<body>
<h1>GeeRPC services</h1>
<dl>
<div><dt>RPC connections open</dt><dd>${info.connections}</dd></div>
<div><dt>Calls in flight</dt><dd>${info.inFlight}</dd></div>
<div><dt>Error responses</dt><dd>${info.errors}</dd></div>
<div><dt>Up for</dt><dd>${formatUptime(info.uptimeMs)}</dd></div>
</dl>
${services}
<p class="note">This page reloads every ${REFRESH_SECONDS} s.</p>
</body>
</html>
`;
}

function renderService(service: Service): string {
  const rows = [...service.methods.values()]
    .sort(byName)
    .map((m) => `<tr><td>${escapeHTML(m.name)}</td><td>${m.numCalls}</td></tr>`)
    .join('\n');
  return `<h2>Service ${escapeHTML(service.name)}</h2>
<table>
<thead><tr><th scope="col">Method</th><th scope="col">Calls</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>`;
}

// A name is text, never markup: a method named `<script>` must show as those 8
// characters. Go's html/template escapes by itself; a template string does not.
function escapeHTML(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function formatUptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// A few rules, no framework: a readable column on a desktop, the full width on a phone,
// long names wrapped instead of widening the page.
const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 48rem; padding: 1rem; color: #222; }
h1 { font-size: 1.5rem; margin: 0 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 0.5rem; overflow-wrap: anywhere; }
dl { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0; }
dl div { flex: 1 1 9rem; border: 1px solid #ccc; border-radius: 6px; padding: 0.5rem 0.75rem; }
dt { font-size: 0.85rem; color: #555; }
dd { margin: 0; font-size: 1.4rem; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.35rem 0.5rem; border-bottom: 1px solid #ddd; overflow-wrap: anywhere; }
th:last-child, td:last-child { text-align: right; width: 6rem; font-variant-numeric: tabular-nums; }
.note { color: #555; font-size: 0.85rem; margin-top: 2rem; }
`;
