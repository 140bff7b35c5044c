/**
 * HTTP/2 wire numbers (RFC 9113): frame types, flags, error codes and setting ids, plus the
 * values this client announces. Plain numeric constants so the hot path compares small integers.
 */

/** Frame type octets (RFC 9113 §6). */
export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame flag bits; their meaning depends on the frame type. */
export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

/** Error codes carried by RST_STREAM and GOAWAY (RFC 9113 §7). */
export const H2Code = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  SETTINGS_TIMEOUT: 0x4,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  CONNECT_ERROR: 0xa,
  ENHANCE_YOUR_CALM: 0xb,
  INADEQUATE_SECURITY: 0xc,
  HTTP_1_1_REQUIRED: 0xd,
} as const;

/** SETTINGS parameter identifiers (RFC 9113 §6.5.2). */
export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** The client connection preface every HTTP/2 connection starts with. */
export const CLIENT_PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

/** Bytes in a frame header: 24-bit length, type, flags, 31-bit stream id. */
export const FRAME_HEADER_BYTES = 9;

/** Flow-control window and frame size every peer starts with before SETTINGS say otherwise. */
export const DEFAULT_WINDOW_BYTES = 65_535;
/** The smallest (and default) SETTINGS_MAX_FRAME_SIZE; this client never announces more. */
export const DEFAULT_MAX_FRAME_BYTES = 16_384;
/** Largest legal SETTINGS_MAX_FRAME_SIZE. */
export const MAX_FRAME_SIZE_LIMIT = 16_777_215;
/** Largest flow-control window and largest stream id. */
export const MAX_WINDOW_BYTES = 2 ** 31 - 1;
/** The HPACK dynamic table size this client's decoder allows (the protocol default). */
export const HEADER_TABLE_BYTES = 4096;
/** Our receive window per stream, announced in SETTINGS: big answers need no WINDOW_UPDATE round trips. */
export const STREAM_WINDOW_BYTES = 8 * 1024 * 1024;
/** Our receive window for the whole connection, opened with one WINDOW_UPDATE after the preface. */
export const CONNECTION_WINDOW_BYTES = 64 * 1024 * 1024;
