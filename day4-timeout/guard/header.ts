/**
 * The shape a decoded header must have before anyone trusts it. Gob checks this for Go
 * (it decodes into a typed struct); JSON, YAML and MessagePack decode whatever they are
 * sent, so a peer could send `{seq: "1"}` or `[]`. Added on day 1.
 */
import type { Header } from '../codec/codec.ts';

export function isHeader(value: unknown): value is Header {
  if (typeof value !== 'object' || value === null) return false;
  const { serviceMethod, seq, error } = value as Record<string, unknown>;
  return (
    typeof serviceMethod === 'string' && Number.isSafeInteger(seq) && typeof error === 'string'
  );
}
