/**
 * What the chapters' SVG pictures share (scripts/pictures.ts draws them): a card that
 * reads on GitHub's light and dark themes, text, and number formats.
 */

/** The width of every picture: narrow enough to stay readable at phone width. */
export const W = 480;

/** A number as SVG coordinates write it: one decimal is finer than a pixel. */
export const f = (n: number) => n.toFixed(1);

/** `10000` as `10,000`, as the chapters write figures. */
export const thousands = (n: number) => n.toLocaleString('en-US');

/**
 * A whole picture: light by default, dark when the viewer's system is, and a card of its
 * own either way, so that it reads on GitHub's light and dark themes alike.
 */
export function svg(height: number, title: string, body: string[]): string {
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

/** A line of text at (x, y); `content` may hold `<tspan>`s. */
export function text(x: number, y: number, content: string, attrs = 'class="fg"'): string {
  return `<text x="${f(x)}" y="${f(y)}" ${attrs}>${content}</text>`;
}

/** The small print at a picture's foot. */
export function credit(y: number, words: string): string {
  return text(20, y, words, 'class="dim" font-size="12"');
}
