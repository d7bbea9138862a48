/**
 * Day 7 on one timeline: heartbeats, expiry, a DELETE, and a discovery's list growing old
 * and fetched again. The times are the picture's, stated in it: a registry that forgets a
 * server after 3 s of silence (the demo's), a beat every second, and a discovery that
 * fetches again when its list is older than 2 s. Used by scripts/pictures.ts.
 */
import { credit, f, svg, text, W } from './svg.ts';

const [X0, X1, SECONDS] = [92, W - 16, 10];
const tx = (t: number) => X0 + (t / SECONDS) * (X1 - X0);
const LANES = { A: 112, B: 170, C: 228, client: 320 };
const COLORS = { A: '#4e79a7', B: '#f28e2b', C: '#59a14f' }; // as on day 6's ring
const small = (attrs: string) => `${attrs} font-size="12"`;

/** The whole timeline. */
export function timelinePicture(): string {
  const body = [
    text(20, 28, '<tspan font-weight="600">Day 7 on one timeline</tspan>'),
    text(20, 46, 'registry timeout 3 s · a beat every 1 s · discovery timeout 2 s', 'class="dim"'),
    `<line x1="24" y1="58" x2="24" y2="70" class="line" stroke-width="3"/>`,
    text(32, 70, 'a heartbeat (POST)', 'class="fg" font-size="13"'),
    `<rect x="176" y="62" width="26" height="8" rx="2" class="dim" fill-opacity="0.6"/>`,
    text(208, 70, 'listed by the registry', 'class="fg" font-size="13"'),
  ];
  for (let t = 0; t <= SECONDS; t++) {
    body.push(
      `<line class="grid" x1="${f(tx(t))}" y1="82" x2="${f(tx(t))}" y2="404"/>`,
      text(tx(t), 420, `${t} s`, small('class="dim" text-anchor="middle"')),
    );
  }
  body.push(...servers(), ...client());
  body.push(
    text(20, 446, 'A crash costs up to registry timeout + discovery timeout;'),
    text(20, 464, 'a DELETE costs at most the discovery timeout.'),
    credit(490, "Drawn by scripts/pictures.ts; times are the picture's."),
  );
  return svg(
    506,
    'Day 7: heartbeats, expiry, a DELETE and a discovery refresh on one timeline',
    body,
  );
}

// A beats throughout; B crashes and expires 3 s after its last beat; C leaves with a DELETE.
function servers(): string[] {
  const { B, C } = LANES;
  return [
    ...lane('A', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10, ''),
    ...lane('B', [0.3, 1.3, 2.3, 3.3], 6.3, 'expired'),
    `<path d="M${f(tx(3.9) - 5)} ${B - 14}l10 10m0 -10l-10 10" class="line" stroke-width="2"/>`,
    text(tx(3.9), B - 20, 'crashes', small('class="fg" text-anchor="middle"')),
    `<path d="M${f(tx(3.3))} ${B + 20}H${f(tx(6.3))}" class="line" stroke-dasharray="2 2"/>`,
    text(tx(4.8), B + 32, '3 s after its last beat', small('class="dim" text-anchor="middle"')),
    ...lane('C', [0.6, 1.6, 2.6, 3.6, 4.6, 5.6], 6.1, 'DELETE: gone at once'),
    `<path d="M${f(tx(6.1))} ${C - 16}v14" class="line" stroke-width="3"/>`,
  ];
}

// One server: its POSTs (ticks), and the band of time the registry lists it.
function lane(name: 'A' | 'B' | 'C', beats: number[], listedUntil: number, note: string) {
  const [y, color, first] = [LANES[name], COLORS[name], beats[0] as number];
  return [
    text(20, y - 8, `server ${name}`),
    ...beats.map(
      (t) =>
        `<line x1="${f(tx(t))}" y1="${y - 16}" x2="${f(tx(t))}" y2="${y - 2}" stroke="${color}" stroke-width="3"/>`,
    ),
    `<rect x="${f(tx(first))}" y="${y + 2}" width="${f(tx(listedUntil) - tx(first))}" height="8" rx="2" fill="${color}" fill-opacity="0.45"/>`,
    text(tx(listedUntil) + 4, y + 10, note, small('class="fg"')),
  ];
}

// The client's discovery: the age of its list (a sawtooth), and its GETs. It fetches when a
// call finds the list older than 2 s; the call itself does not wait for the fetch.
function client(): string[] {
  const fetches: [number, string][] = [
    [0.1, 'A B'],
    [2.4, 'A B C'],
    [4.7, 'A B C'],
    [6.9, 'A'],
    [9.2, 'A'],
  ];
  const y = LANES.client;
  const ageY = (age: number) => y + 40 - age * 22;
  const saw = fetches.map(([t], i) => {
    const next = fetches[i + 1]?.[0] ?? SECONDS;
    return `M${f(tx(t))} ${f(ageY(0))}L${f(tx(next))} ${f(ageY(next - t))}`;
  });
  return [
    text(20, y - 22, 'client'),
    text(20, y - 8, 'list age', small('class="dim"')),
    `<line class="line" x1="${X0}" y1="${f(ageY(2))}" x2="${X1}" y2="${f(ageY(2))}" stroke-dasharray="4 3" stroke-width="1"/>`,
    text(X0 - 4, ageY(2) + 4, '2 s', small('class="dim" text-anchor="end"')),
    text(X0 - 4, ageY(0) + 4, '0 s', small('class="dim" text-anchor="end"')),
    `<path d="${saw.join('')}" fill="none" class="line" stroke-width="1.5"/>`,
    ...fetches.flatMap(([t, list]) => [
      `<circle cx="${f(tx(t))}" cy="${f(ageY(0))}" r="3.5" class="fg"/>`,
      text(tx(t), ageY(0) + 18, `GET: ${list}`, small('class="fg" text-anchor="middle"')),
    ]),
    // Calls the stale list still sends to B (dead) or C (gone): each fails, the next moves on.
    `<rect x="${f(tx(3.9))}" y="${y + 62}" width="${f(tx(6.9) - tx(3.9))}" height="6" fill="#e15759" fill-opacity="0.6"/>`,
    text(X1, y + 84, 'calls to B or C fail: still listed', 'class="fg" text-anchor="end"'),
  ];
}
