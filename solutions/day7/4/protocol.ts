/**
 * What both ends of a connection share before the first request: the magic number,
 * the Option that names the codec, and the server's reply to it. Server and client
 * both import it, so the client never imports the server. Mirrors the Option part of
 * GeeRPC's server.go. Added on day 1; day 4 added the two timeouts, day 5 what a
 * CONNECT over HTTP needs.
 */
import type { CodecType } from './codec/codec.ts';
import { encodeFrames } from './codec/frame.ts';

/** Marks a connection as GeeRPC's: 0x3bef5c. */
export const MAGIC_NUMBER = 3927900;

/** Where `handleHTTP` serves GeeRPC (by CONNECT) and the debug page (by GET). */
export const DEFAULT_RPC_PATH = '/_geerpc_';
export const DEFAULT_DEBUG_PATH = '/debug/geerpc';
/** The status line's code and text with which the server accepts a CONNECT. */
export const CONNECTED = '200 Connected to Gee RPC';

/** The first frame of every connection, always JSON, so that it can name the codec. */
export interface Option {
  magicNumber: number;
  codecType: CodecType;
  /** How long `dial` may take, connect and handshake together, in ms (0 = no limit). */
  connectTimeout: number;
  /** How long the server may take to handle each request, in ms (0 = no limit). */
  handleTimeout: number;
  /** The server's token, if it has one (exercise 4: a `tls@` address keeps it secret). */
  token?: string;
}

export const DEFAULT_OPTION: Readonly<Option> = Object.freeze({
  magicNumber: MAGIC_NUMBER,
  codecType: 'application/json',
  connectTimeout: 10_000,
  handleTimeout: 0,
});

/** The server's answer to an option, also JSON: `error` is empty when it is accepted. */
export interface OptionReply {
  error: string;
}

/** An option is a few dozen bytes; a server parses at most this many, whatever maxFrameSize is. */
export const MAX_OPTION_BYTES = 1024;

/** An Option or an OptionReply as the frame that carries it. */
export function encodeJsonFrame(message: Option | OptionReply): Buffer {
  return encodeFrames(JSON.stringify(message));
}
