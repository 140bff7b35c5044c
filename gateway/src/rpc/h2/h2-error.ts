/**
 * The one error the HTTP/2 codec throws: malformed frames or header blocks. Every instance is
 * a connection error (RFC 9113 §5.4.1): the connection answers with GOAWAY carrying `code`
 * and closes; nothing else thrown by the codec is expected.
 */
import { H2Code } from "./constants.js";

/** A protocol violation by the peer that ends the whole connection. */
export class H2ConnectionError extends Error {
  override readonly name = "H2ConnectionError";
  /**
   * @param code the HTTP/2 error code for GOAWAY (e.g. H2Code.PROTOCOL_ERROR)
   * @param message what the peer sent that was wrong
   */
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A COMPRESSION_ERROR (HPACK block could not be decoded). */
export function compressionError(message: string): H2ConnectionError {
  return new H2ConnectionError(H2Code.COMPRESSION_ERROR, `malformed HPACK header block: ${message}`);
}
