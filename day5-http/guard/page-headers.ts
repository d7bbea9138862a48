/**
 * Headers for the debug page, a page built from names: a second line of defence behind
 * debug.ts's escaping. Whatever the page holds, no script runs on it, no other site may
 * frame it, and no browser may read it as another type. Added on day 5.
 */
export const PAGE_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
};
