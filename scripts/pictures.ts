/**
 * `npm run pictures`: draws the chapters' SVG pictures into assets/. Day 6's hash ring and
 * its fifth server come from the real `MultiServersDiscovery` (every arc is what `get`
 * answered for keys hashed there), so they cannot drift from the code; day 7's timeline
 * is drawn from the numbers it states. `npm run pictures -- --check` (run by CI) fails
 * when a checked-in picture differs from what the code draws now.
 */
import { hash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MultiServersDiscovery, SelectMode } from '../day6-loadbalance/xclient/discovery.ts';
import { root } from './days.ts';

const W = 480; // narrow enough to stay readable at phone width (GitHub scales an image down)
const TAU = 2 ** 32; // the ring's hashes run from 0 to 2^32 - 1
const SERVERS = ['A', 'B', 'C', 'D', 'E'].map((name, i) => ({
  name,
  addr: `tcp@10.0.0.${i + 1}:9999`,
  color: ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#e15759'][i] as string,
}));
const KEYS = ['ivan', 'alice', 'carol', 'oscar']; // a quarter of the ring apart, one per server
const SAMPLES = 200_000; // keys asked of get() to find the arcs: 500 per arc of 400

type Arc = { from: number; to: number; name: string }; // hashes in [from, to) belong to name

/** Where `get` puts a key on the ring: the first 4 bytes of its MD5, as discovery.ts says. */
const keyHash = (key: string) => hash('md5', key, 'buffer').readUInt32BE(0);

/** The ring as arcs, found by asking the real discovery which server owns each sampled key. */
async function arcsOf(count: number): Promise<Arc[]> {
  const servers = SERVERS.slice(0, count);
  const discovery = new MultiServersDiscovery(servers.map((s) => s.addr));
  const nameOf = new Map(servers.map((s) => [s.addr, s.name]));
  const samples: { h: number; name: string }[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const key = `sample-${i}`;
    const addr = await discovery.get(SelectMode.ConsistentHash, key);
    samples.push({ h: keyHash(key), name: nameOf.get(addr) as string });
  }
  samples.sort((a, b) => a.h - b.h);
  const arcs: Arc[] = [];
  for (const { h, name } of samples) {
    const last = arcs.at(-1);
    if (last?.name === name) last.to = h + 1;
    else arcs.push({ from: last?.to ?? 0, to: h + 1, name });
  }
  (arcs.at(-1) as Arc).to = TAU;
  // A key hash placed differently from discovery.ts would scatter owners at random:
  // tens of thousands of arcs instead of at most 100 points per server.
  if (arcs.length > count * 100 + 1) throw new Error(`${arcs.length} arcs: keyHash is wrong`);
  return arcs;
}

const ownerAt = (arcs: Arc[], h: number) =>
  (arcs.find((arc) => h >= arc.from && h < arc.to) as Arc).name;
const colorOf = (name: string) => (SERVERS.find((s) => s.name === name) as { color: string }).color;
const f = (n: number) => n.toFixed(1);
const thousands = (n: number) => n.toLocaleString('en-US');

// Light by default, dark when the viewer's system is; a card of its own either way, so it
// reads on GitHub's light and dark themes alike.
function svg(height: number, title: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${height}" width="${W}" height="${height}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="14">`,
    `<title>${title}</title>`,
    '<style>',
    '.bg { fill: #ffffff; stroke: #d0d7de; } .fg { fill: #1f2328; } .dim { fill: #59636e; }',
    '.line { stroke: #1f2328; } .grid { stroke: #d0d7de; }',
    '@media (prefers-color-scheme: dark) {',
    '  .bg { fill: #0d1117; stroke: #3d444d; } .fg { fill: #f0f6fc; } .dim { fill: #9198a1; }',
    '  .line { stroke: #f0f6fc; } .grid { stroke: #3d444d; }',
    '}',
    '</style>',
    `<rect class="bg" x="0.5" y="0.5" width="${W - 1}" height="${height - 1}" rx="8"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

function text(x: number, y: number, content: string, attrs = 'class="fg"'): string {
  return `<text x="${f(x)}" y="${f(y)}" ${attrs}>${content}</text>`;
}

// Angle 0 at the top ("12 o'clock"), clockwise, as the hashes grow.
function onCircle(cx: number, cy: number, r: number, h: number): [number, number] {
  const a = (h / TAU) * 2 * Math.PI;
  return [cx + r * Math.sin(a), cy - r * Math.cos(a)];
}

function arcPath(cx: number, cy: number, r: number, from: number, to: number): string {
  const [x1, y1] = onCircle(cx, cy, r, from);
  const [x2, y2] = onCircle(cx, cy, r, to);
  const large = to - from > TAU / 2 ? 1 : 0;
  return `M${f(x1)} ${f(y1)}A${r} ${r} 0 ${large} 1 ${f(x2)} ${f(y2)}`;
}

function ring(cx: number, cy: number, r: number, width: number, arcs: Arc[], dim?: string) {
  return arcs.map(
    (arc) =>
      `<path d="${arcPath(cx, cy, r, arc.from, arc.to)}" fill="none" stroke="${colorOf(arc.name)}" stroke-width="${width}"${dim !== undefined && arc.name !== dim ? ' stroke-opacity="0.3"' : ''}/>`,
  );
}

function legend(y: number, count: number): string[] {
  const step = (W - 40) / count;
  return SERVERS.slice(0, count).flatMap((s, i) => [
    `<rect x="${f(20 + i * step)}" y="${y - 10}" width="12" height="12" rx="2" fill="${s.color}"/>`,
    text(20 + i * step + 17, y + 1, `server ${s.name}`),
  ]);
}

async function ringPicture(): Promise<string> {
  const arcs = await arcsOf(4);
  const [cx, cy, r] = [W / 2, 215, 140];
  const key = 'alice';
  const h = keyHash(key);
  // The zoomed window: alice's arc, with a little of its neighbours on each side.
  const owner = arcs.find((arc) => h >= arc.from && h < arc.to) as Arc;
  const lo = owner.from - (owner.to - owner.from) * 0.7;
  const hi = owner.to + (owner.to - owner.from) * 0.7;
  const window = arcs.filter((arc) => arc.to > lo && arc.from < hi);
  const [x0, x1, sy] = [40, W - 40, 470];
  const sx = (v: number) => x0 + ((v - lo) / (hi - lo)) * (x1 - x0);
  const body = [
    text(20, 28, '<tspan font-weight="600">The hash ring:</tspan> 4 servers, 100 points each'),
    text(20, 46, 'Each arc belongs to the server at its clockwise end.', 'class="dim"'),
    ...ring(cx, cy, r, 22, arcs),
    `<line class="line" x1="${cx}" y1="${cy - r - 16}" x2="${cx}" y2="${cy - r + 16}" stroke-width="1.5"/>`,
    text(cx + 6, cy - r - 18, '0 = 2³²', 'class="dim" font-size="12"'),
    text(cx, cy - 4, 'a key goes to the first', 'class="dim" text-anchor="middle" font-size="13"'),
    text(
      cx,
      cy + 12,
      'point at or after its hash',
      'class="dim" text-anchor="middle" font-size="13"',
    ),
    ...KEYS.flatMap((k) => {
      const kh = keyHash(k);
      const [kx, ky] = onCircle(cx, cy, r - 24, kh);
      const [lx, ly] = onCircle(cx, cy, r - 50, kh);
      return [
        `<circle cx="${f(kx)}" cy="${f(ky)}" r="4" class="fg"/>`,
        text(lx, ly + 4, `${k} → ${ownerAt(arcs, kh)}`, 'class="fg" text-anchor="middle"'),
      ];
    }),
  ];
  // A bracket on the ring around the zoomed window, tied to the strip below.
  const [ax, ay] = onCircle(cx, cy, r + 12, lo);
  const [bx, by] = onCircle(cx, cy, r + 12, hi);
  body.push(
    `<path d="M${f(ax)} ${f(ay)}L${x0} ${sy - 44}M${f(bx)} ${f(by)}L${x1} ${sy - 44}" fill="none" class="line" stroke-dasharray="3 3" stroke-width="0.8"/>`,
    text(
      20,
      sy + 58,
      `Zoomed in: ${key}'s walk, clockwise to the first point`,
      'class="fg" font-weight="600"',
    ),
  );
  for (const arc of window) {
    const a = sx(Math.max(arc.from, lo));
    const b = sx(Math.min(arc.to, hi));
    body.push(
      `<line x1="${f(a)}" y1="${sy}" x2="${f(b)}" y2="${sy}" stroke="${colorOf(arc.name)}" stroke-width="10"/>`,
    );
    if (arc.to <= hi) {
      body.push(
        `<line class="line" x1="${f(b)}" y1="${sy - 12}" x2="${f(b)}" y2="${sy + 12}" stroke-width="2"/>`,
        text(
          b,
          sy + 28,
          `a point of ${arc.name}`,
          'class="fg" text-anchor="middle" font-size="13"',
        ),
      );
    }
  }
  const kx = sx(h);
  const ex = sx(owner.to);
  body.push(
    `<circle cx="${f(kx)}" cy="${sy - 20}" r="4" class="fg"/>`,
    text(kx, sy - 28, `hash("${key}")`, 'class="fg" text-anchor="middle" font-size="13"'),
    `<path d="M${f(kx + 6)} ${sy - 20}H${f(ex - 6)}" class="line" stroke-width="1.5" fill="none"/>`,
    `<path d="M${f(ex - 6)} ${sy - 24}L${f(ex)} ${sy - 20}L${f(ex - 6)} ${sy - 16}Z" class="fg"/>`,
    text(x1, sy - 28, `clockwise → ${owner.name}`, 'class="fg" text-anchor="end" font-size="13"'),
    ...legend(566, 4),
    text(
      20,
      586,
      'Drawn by scripts/pictures.ts from MultiServersDiscovery.get',
      'class="dim" font-size="12"',
    ),
  );
  return svg(600, 'The hash ring of day 6: four servers, and where a key goes', body);
}

async function fifthServerPicture(): Promise<string> {
  const [before, after] = [await arcsOf(4), await arcsOf(5)];
  // Which of 10,000 keys move, by the real discovery, and by hash(key) % n for comparison.
  const four = new MultiServersDiscovery(SERVERS.slice(0, 4).map((s) => s.addr));
  const five = new MultiServersDiscovery(SERVERS.map((s) => s.addr));
  let moved = 0;
  let toE = 0;
  let modMoved = 0;
  for (let i = 0; i < 10_000; i++) {
    const [a, b] = [`key-${i}`, `key-${i}`];
    const was = await four.get(SelectMode.ConsistentHash, a);
    const is = await five.get(SelectMode.ConsistentHash, b);
    if (was !== is) moved++;
    if (was !== is && is === (SERVERS[4] as { addr: string }).addr) toE++;
    if (keyHash(a) % 4 !== keyHash(a) % 5) modMoved++;
  }
  const [cx, cy] = [W / 2, 250];
  const body = [
    text(
      20,
      28,
      '<tspan font-weight="600">A fifth server joins:</tspan> only E\'s arcs change hands',
    ),
    text(20, 46, 'Outer ring: A–D before. Inner ring: after E joins.', 'class="dim"'),
    ...ring(cx, cy, 150, 18, before),
    ...ring(cx, cy, 122, 18, after, 'E'),
    text(cx, cy - 8, `${thousands(moved)} of 10,000 keys move:`, 'class="fg" text-anchor="middle"'),
    text(
      cx,
      cy + 10,
      `${toE === moved ? 'every one' : thousands(toE)} to E`,
      'class="fg" text-anchor="middle"',
    ),
    text(cx, cy + 34, 'keys in the faded arcs', 'class="dim" text-anchor="middle" font-size="13"'),
    text(cx, cy + 50, 'stay where they were', 'class="dim" text-anchor="middle" font-size="13"'),
    text(20, 440, `hash(key) % n instead: going from 4 to 5 servers moves`),
    text(20, 458, `${thousands(modMoved)} of the same 10,000 keys, to every server.`),
    ...legend(492, 5),
    text(
      20,
      520,
      'Drawn by scripts/pictures.ts from MultiServersDiscovery.get',
      'class="dim" font-size="12"',
    ),
  ];
  return svg(536, 'Day 6: which keys move when a fifth server joins the ring', body);
}

// Day 7, on one timeline. The numbers are the picture's, stated in it: a registry that
// forgets a server after 3 s of silence (the demo's), beats every second, and a
// discovery that fetches again when its list is older than 2 s.
function timelinePicture(): string {
  const [x0, x1, seconds] = [92, W - 16, 10];
  const tx = (t: number) => x0 + (t / seconds) * (x1 - x0);
  const lanes = { A: 112, B: 170, C: 228, client: 320 };
  const body = [
    text(20, 28, '<tspan font-weight="600">Day 7 on one timeline</tspan>'),
    text(20, 46, 'registry timeout 3 s · a beat every 1 s · discovery timeout 2 s', 'class="dim"'),
    `<line x1="24" y1="58" x2="24" y2="70" class="line" stroke-width="3"/>`,
    text(32, 70, 'a heartbeat (POST)', 'class="fg" font-size="13"'),
    `<rect x="176" y="62" width="26" height="8" rx="2" class="dim" fill-opacity="0.6"/>`,
    text(208, 70, 'listed by the registry', 'class="fg" font-size="13"'),
  ];
  for (let t = 0; t <= seconds; t++) {
    body.push(
      `<line class="grid" x1="${f(tx(t))}" y1="82" x2="${f(tx(t))}" y2="404"/>`,
      text(tx(t), 420, `${t} s`, 'class="dim" text-anchor="middle" font-size="12"'),
    );
  }
  // Per server: its POSTs (ticks), and the band of time the registry lists it.
  const server = (
    name: 'A' | 'B' | 'C',
    beats: number[],
    listedUntil: number,
    note: string,
  ): string[] => {
    const y = lanes[name];
    const color = colorOf(name);
    return [
      text(20, y - 8, `server ${name}`),
      ...beats.map(
        (t) =>
          `<line x1="${f(tx(t))}" y1="${y - 16}" x2="${f(tx(t))}" y2="${y - 2}" stroke="${color}" stroke-width="3"/>`,
      ),
      `<rect x="${f(tx(beats[0] as number))}" y="${y + 2}" width="${f(tx(listedUntil) - tx(beats[0] as number))}" height="8" rx="2" fill="${color}" fill-opacity="0.45"/>`,
      text(tx(listedUntil) + 4, y + 10, note, 'class="fg" font-size="12"'),
    ];
  };
  body.push(
    ...server('A', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10, ''),
    ...server('B', [0.3, 1.3, 2.3, 3.3], 6.3, 'expired'),
    `<path d="M${f(tx(3.9) - 5)} ${lanes.B - 14}l10 10m0 -10l-10 10" class="line" stroke-width="2"/>`,
    text(tx(3.9), lanes.B - 20, 'crashes', 'class="fg" text-anchor="middle" font-size="12"'),
    `<path d="M${f(tx(3.3))} ${lanes.B + 20}H${f(tx(6.3))}" class="line" stroke-dasharray="2 2"/>`,
    text(
      tx(4.8),
      lanes.B + 32,
      '3 s after its last beat',
      'class="dim" text-anchor="middle" font-size="12"',
    ),
    ...server('C', [0.6, 1.6, 2.6, 3.6, 4.6, 5.6], 6.1, 'DELETE: gone at once'),
    `<path d="M${f(tx(6.1))} ${lanes.C - 16}v14" class="line" stroke-width="3"/>`,
  );
  // The client's discovery: the age of its list (a sawtooth), and its GETs. It fetches when
  // a call finds the list older than 2 s; the call itself does not wait for the fetch.
  const fetches: [number, string][] = [
    [0.1, 'A B'],
    [2.4, 'A B C'],
    [4.7, 'A B C'],
    [6.9, 'A'],
    [9.2, 'A'],
  ];
  const ageY = (age: number) => lanes.client + 40 - age * 22;
  body.push(
    text(20, lanes.client - 22, 'client'),
    text(20, lanes.client - 8, 'list age', 'class="dim" font-size="12"'),
    `<line class="line" x1="${x0}" y1="${f(ageY(2))}" x2="${x1}" y2="${f(ageY(2))}" stroke-dasharray="4 3" stroke-width="1"/>`,
    text(x0 - 4, ageY(2) + 4, '2 s', 'class="dim" text-anchor="end" font-size="12"'),
    text(x0 - 4, ageY(0) + 4, '0 s', 'class="dim" text-anchor="end" font-size="12"'),
  );
  const saw = fetches.map(([t], i) => {
    const next = fetches[i + 1]?.[0] ?? seconds;
    return `M${f(tx(t))} ${f(ageY(0))}L${f(tx(next))} ${f(ageY(next - t))}`;
  });
  body.push(`<path d="${saw.join('')}" fill="none" class="line" stroke-width="1.5"/>`);
  for (const [t, list] of fetches) {
    body.push(
      `<circle cx="${f(tx(t))}" cy="${f(ageY(0))}" r="3.5" class="fg"/>`,
      text(tx(t), ageY(0) + 18, `GET: ${list}`, 'class="fg" text-anchor="middle" font-size="12"'),
    );
  }
  // Calls the stale list still sends to B (dead) or C (gone): each fails, the next moves on.
  body.push(
    `<rect x="${f(tx(3.9))}" y="${lanes.client + 62}" width="${f(tx(6.9) - tx(3.9))}" height="6" fill="#e15759" fill-opacity="0.6"/>`,
    text(
      x1,
      lanes.client + 84,
      'calls to B or C fail: still listed',
      'class="fg" text-anchor="end"',
    ),
    text(20, 446, 'A crash costs up to registry timeout + discovery timeout;'),
    text(20, 464, 'a DELETE costs at most the discovery timeout.'),
    text(
      20,
      490,
      "Drawn by scripts/pictures.ts; times are the picture's.",
      'class="dim" font-size="12"',
    ),
  );
  return svg(
    506,
    'Day 7: heartbeats, expiry, a DELETE and a discovery refresh on one timeline',
    body,
  );
}

const pictures: Record<string, () => Promise<string> | string> = {
  'assets/day6-hash-ring.svg': ringPicture,
  'assets/day6-fifth-server.svg': fifthServerPicture,
  'assets/day7-timeline.svg': timelinePicture,
};
const check = process.argv.includes('--check');
let stale = 0;
for (const [file, draw] of Object.entries(pictures)) {
  const drawn = await draw();
  const path = join(root, file);
  if (!check) writeFileSync(path, drawn);
  else if (readFileSync(path, 'utf8') !== drawn) {
    console.error(`${file} is not what the code draws now: run npm run pictures`);
    stale++;
  }
}
if (stale > 0) process.exit(1);
console.log(`pictures: ${Object.keys(pictures).length} ${check ? 'up to date' : 'drawn'}`);
