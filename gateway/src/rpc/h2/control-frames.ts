/**
 * Payloads of the connection-control frames a client sends and reads: our SETTINGS, the
 * peer's SETTINGS (validated), and GOAWAY.
 */
import { DEFAULT_MAX_FRAME_BYTES, H2Code, MAX_FRAME_SIZE_LIMIT, MAX_WINDOW_BYTES, Setting } from "./constants.js";
import { H2ConnectionError } from "./h2-error.js";

/** What a peer's SETTINGS frame changes; undefined fields keep their current value. */
export interface PeerSettings {
  /** MAX_CONCURRENT_STREAMS; undefined when the frame leaves it out (unlimited until a frame sets it). */
  readonly maxConcurrentStreams: number | undefined;
  readonly initialWindowSize: number | undefined;
  readonly maxFrameSize: number | undefined;
  /** SETTINGS_HEADER_TABLE_SIZE: how much of a dynamic table our HPACK encoder may use. */
  readonly headerTableSize: number | undefined;
}

/** A peer's stream limit until its SETTINGS name one (RFC 9113 §6.5.2: initially unlimited). */
export const UNLIMITED_STREAMS = 2 ** 31;

/** Our SETTINGS payload: no server push, and `streamWindowBytes` as every stream's receive window. */
export function clientSettingsPayload(streamWindowBytes: number): Buffer {
  const payload = Buffer.alloc(12);
  payload.writeUInt16BE(Setting.ENABLE_PUSH, 0);
  payload.writeUInt32BE(0, 2);
  payload.writeUInt16BE(Setting.INITIAL_WINDOW_SIZE, 6);
  payload.writeUInt32BE(streamWindowBytes, 8);
  return payload;
}

/**
 * Reads a peer's SETTINGS payload (a multiple of 6 bytes, checked by the frame parser).
 * Throws H2ConnectionError for values RFC 9113 §6.5.2 forbids.
 */
export function parsePeerSettings(payload: Buffer): PeerSettings {
  let maxConcurrentStreams: number | undefined;
  let initialWindowSize: number | undefined;
  let maxFrameSize: number | undefined;
  let headerTableSize: number | undefined;
  for (let at = 0; at < payload.length; at += 6) {
    const value = payload.readUInt32BE(at + 2);
    switch (payload.readUInt16BE(at)) {
      case Setting.MAX_CONCURRENT_STREAMS:
        maxConcurrentStreams = value;
        break;
      case Setting.INITIAL_WINDOW_SIZE:
        if (value > MAX_WINDOW_BYTES)
          throw new H2ConnectionError(H2Code.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value} above 2^31-1`);
        initialWindowSize = value;
        break;
      case Setting.MAX_FRAME_SIZE:
        if (value < DEFAULT_MAX_FRAME_BYTES || value > MAX_FRAME_SIZE_LIMIT)
          throw new H2ConnectionError(H2Code.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value} out of range`);
        maxFrameSize = value;
        break;
      case Setting.ENABLE_PUSH:
        if (value > 1) throw new H2ConnectionError(H2Code.PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH ${value}`);
        break;
      case Setting.HEADER_TABLE_SIZE:
        headerTableSize = value;
        break;
      default:
        break; // the rest is advisory
    }
  }
  return { maxConcurrentStreams, initialWindowSize, maxFrameSize, headerTableSize };
}

/** A GOAWAY payload: the last stream id we processed and the error code. */
export function goawayPayload(lastStreamId: number, code: number): Buffer {
  const payload = Buffer.alloc(8);
  payload.writeUInt32BE(lastStreamId, 0);
  payload.writeUInt32BE(code, 4);
  return payload;
}

const CODE_NAMES = new Map<number, string>(
  Object.entries(H2Code).map(([name, code]): [number, string] => [code, name]),
);

/** The name of an HTTP/2 error code (e.g. `CANCEL`), or its number in hex. */
export function h2CodeName(code: number): string {
  return CODE_NAMES.get(code) ?? `0x${code.toString(16)}`;
}
