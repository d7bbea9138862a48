/**
 * Day 6's pictures, drawn from the real `MultiServersDiscovery`: every arc of the ring is
 * what `get` answered for the keys hashed onto it, so the picture cannot drift from the
 * code (`npm run pictures -- --check` fails when it has). Used by scripts/pictures.ts.
 */
import { hash } from 'node:crypto';
import { MultiServersDiscovery, SelectMode } from '../day6-loadbalance/xclient/discovery.ts';
import { credit, f, svg, text, thousands, W } from './svg.ts';

const TAU = 2 ** 32; // the ring's hashes run from 0 to 2^32 - 1
const SERVERS = ['A', 'B', 'C', 'D', 'E'].map((name, i) => ({
  name,
  addr: `tcp@10.0.0.${i + 1}:9999`,
  color: ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#e15759'][i] as string,
}));
const KEYS = ['ivan', 'alice', 'carol', 'oscar']; // a quarter of the ring apart, one per server
const SAMPLES = 200_000; // keys asked of get() to find the arcs: 500 per arc of 400
const CREDIT = 'Drawn by scripts/pictures.ts from MultiServersDiscovery.get';

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

const arcAt = (arcs: Arc[], h: number) => arcs.find((arc) => h >= arc.from && h < arc.to) as Arc;
const colorOf = (name: string) => (SERVERS.find((s) => s.name === name) as { color: string }).color;

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

// Every arc in its server's colour; with `bright`, the other servers' arcs faded.
function ring(cx: number, cy: number, r: number, width: number, arcs: Arc[], bright?: string) {
  return arcs.map(
    (arc) =>
      `<path d="${arcPath(cx, cy, r, arc.from, arc.to)}" fill="none" stroke="${colorOf(arc.name)}" stroke-width="${width}"${bright !== undefined && arc.name !== bright ? ' stroke-opacity="0.3"' : ''}/>`,
  );
}

function legend(y: number, count: number): string[] {
  const step = (W - 40) / count;
  return SERVERS.slice(0, count).flatMap((s, i) => [
    `<rect x="${f(20 + i * step)}" y="${y - 10}" width="12" height="12" rx="2" fill="${s.color}"/>`,
    text(20 + i * step + 17, y + 1, `server ${s.name}`),
  ]);
}

/** The ring of four servers, where four keys go, and one key's walk zoomed in. */
export async function ringPicture(): Promise<string> {
  const arcs = await arcsOf(4);
  const [cx, cy, r] = [W / 2, 215, 140];
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
    ...KEYS.flatMap((key) => {
      const [kx, ky] = onCircle(cx, cy, r - 24, keyHash(key));
      const [lx, ly] = onCircle(cx, cy, r - 50, keyHash(key));
      return [
        `<circle cx="${f(kx)}" cy="${f(ky)}" r="4" class="fg"/>`,
        text(
          lx,
          ly + 4,
          `${key} → ${arcAt(arcs, keyHash(key)).name}`,
          'class="fg" text-anchor="middle"',
        ),
      ];
    }),
    ...zoomStrip(arcs, 'alice', [cx, cy, r]),
    ...legend(566, 4),
    credit(586, CREDIT),
  ];
  return svg(600, 'The hash ring of day 6: four servers, and where a key goes', body);
}

// A stretch of the ring around `key`, unrolled into a line below it: the key's hash, the
// points around it, and its walk clockwise to the first point.
function zoomStrip(arcs: Arc[], key: string, [cx, cy, r]: number[]): string[] {
  const h = keyHash(key);
  const owner = arcAt(arcs, h);
  const lo = owner.from - (owner.to - owner.from) * 0.7; // the key's arc, and as much again
  const hi = owner.to + (owner.to - owner.from) * 0.7;
  const [x0, x1, sy] = [40, W - 40, 470];
  const sx = (v: number) => x0 + ((v - lo) / (hi - lo)) * (x1 - x0);
  const [ax, ay] = onCircle(cx as number, cy as number, (r as number) + 12, lo);
  const [bx, by] = onCircle(cx as number, cy as number, (r as number) + 12, hi);
  const body = [
    `<path d="M${f(ax)} ${f(ay)}L${x0} ${sy - 44}M${f(bx)} ${f(by)}L${x1} ${sy - 44}" fill="none" class="line" stroke-dasharray="3 3" stroke-width="0.8"/>`,
    text(
      20,
      sy + 58,
      `Zoomed in: ${key}'s walk, clockwise to the first point`,
      'class="fg" font-weight="600"',
    ),
  ];
  for (const arc of arcs.filter((arc) => arc.to > lo && arc.from < hi)) {
    const [a, b] = [sx(Math.max(arc.from, lo)), sx(Math.min(arc.to, hi))];
    body.push(
      `<line x1="${f(a)}" y1="${sy}" x2="${f(b)}" y2="${sy}" stroke="${colorOf(arc.name)}" stroke-width="10"/>`,
    );
    if (arc.to > hi) continue; // its point lies past the strip
    body.push(
      `<line class="line" x1="${f(b)}" y1="${sy - 12}" x2="${f(b)}" y2="${sy + 12}" stroke-width="2"/>`,
      text(b, sy + 28, `a point of ${arc.name}`, 'class="fg" text-anchor="middle" font-size="13"'),
    );
  }
  const [kx, ex] = [sx(h), sx(owner.to)];
  return [
    ...body,
    `<circle cx="${f(kx)}" cy="${sy - 20}" r="4" class="fg"/>`,
    text(kx, sy - 28, `hash("${key}")`, 'class="fg" text-anchor="middle" font-size="13"'),
    `<path d="M${f(kx + 6)} ${sy - 20}H${f(ex - 6)}" class="line" stroke-width="1.5" fill="none"/>`,
    `<path d="M${f(ex - 6)} ${sy - 24}L${f(ex)} ${sy - 20}L${f(ex - 6)} ${sy - 16}Z" class="fg"/>`,
    text(x1, sy - 28, `clockwise → ${owner.name}`, 'class="fg" text-anchor="end" font-size="13"'),
  ];
}

/** The ring before and after a fifth server joins, and how many keys move. */
export async function fifthServerPicture(): Promise<string> {
  const [before, after] = [await arcsOf(4), await arcsOf(5)];
  const { moved, toE, modMoved } = await countMoves(10_000);
  const [cx, cy] = [W / 2, 250];
  const middle = 'class="fg" text-anchor="middle"';
  const note = 'class="dim" text-anchor="middle" font-size="13"';
  const body = [
    text(
      20,
      28,
      '<tspan font-weight="600">A fifth server joins:</tspan> only E\'s arcs change hands',
    ),
    text(20, 46, 'Outer ring: A–D before. Inner ring: after E joins.', 'class="dim"'),
    ...ring(cx, cy, 150, 18, before),
    ...ring(cx, cy, 122, 18, after, 'E'),
    text(cx, cy - 8, `${thousands(moved)} of 10,000 keys move:`, middle),
    text(cx, cy + 10, `${toE === moved ? 'every one' : thousands(toE)} to E`, middle),
    text(cx, cy + 34, 'keys in the faded arcs', note),
    text(cx, cy + 50, 'stay where they were', note),
    text(20, 440, `hash(key) % n instead: going from 4 to 5 servers moves`),
    text(20, 458, `${thousands(modMoved)} of the same 10,000 keys, to every server.`),
    ...legend(492, 5),
    credit(520, CREDIT),
  ];
  return svg(536, 'Day 6: which keys move when a fifth server joins the ring', body);
}

// Of `count` keys: how many the real discovery moves when E joins, how many of those go to
// E, and how many `hash(key) % n` would move, for comparison.
async function countMoves(count: number) {
  const four = new MultiServersDiscovery(SERVERS.slice(0, 4).map((s) => s.addr));
  const five = new MultiServersDiscovery(SERVERS.map((s) => s.addr));
  const e = (SERVERS[4] as { addr: string }).addr;
  let [moved, toE, modMoved] = [0, 0, 0];
  for (let i = 0; i < count; i++) {
    const key = `key-${i}`;
    const was = await four.get(SelectMode.ConsistentHash, key);
    const is = await five.get(SelectMode.ConsistentHash, key);
    if (was !== is) moved++;
    if (was !== is && is === e) toE++;
    if (keyHash(key) % 4 !== keyHash(key) % 5) modMoved++;
  }
  return { moved, toE, modMoved };
}
