/**
 * `npm run pictures`: draws the chapters' SVG pictures into assets/: day 6's hash ring and
 * its fifth server from the real `MultiServersDiscovery` (scripts/picture-ring.ts), and
 * day 7's timeline (scripts/picture-timeline.ts). `npm run pictures -- --check` (run by
 * CI) fails when a checked-in picture differs from what the code draws now.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from './days.ts';
import { fifthServerPicture, ringPicture } from './picture-ring.ts';
import { timelinePicture } from './picture-timeline.ts';

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
