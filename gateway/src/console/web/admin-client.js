// A client of polyplug.v1.Admin in the browser: Connect's JSON protocol over fetch.
// Unary calls are a JSON POST; server-streaming calls use Connect's envelopes
// (1 flag byte, 4-byte big-endian length, JSON message; flag 0x02 marks the end-of-stream
// message, which carries the error if the call failed).

const SERVICE = "/polyplug.v1.Admin/";
const END_STREAM = 0x02;

/** A failed Admin call: `code` is the Connect code ("unauthenticated", "invalid_argument"…). */
export class AdminError extends Error {
  constructor(code, message, details = []) {
    super(message || code);
    this.name = "AdminError";
    this.code = code;
    this.details = details;
  }
}

function envelope(message) {
  const bytes = new TextEncoder().encode(JSON.stringify(message));
  const framed = new Uint8Array(5 + bytes.length);
  new DataView(framed.buffer).setUint32(1, bytes.length);
  framed.set(bytes, 5);
  return framed;
}

/** Reads Connect envelopes from a response body stream, calling onEnvelope(flags, json). */
async function readEnvelopes(body, onEnvelope) {
  const reader = body.getReader();
  let buffer = new Uint8Array(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const joined = new Uint8Array(buffer.length + value.length);
    joined.set(buffer);
    joined.set(value, buffer.length);
    buffer = joined;
    while (buffer.length >= 5) {
      const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(1);
      if (buffer.length < 5 + length) break;
      const flags = buffer[0];
      const json = JSON.parse(new TextDecoder().decode(buffer.subarray(5, 5 + length)));
      buffer = buffer.slice(5 + length);
      if (onEnvelope(flags, json) === false) return;
    }
  }
  if (buffer.length > 0) throw new AdminError("internal", "stream ended in the middle of a message");
}

/**
 * Creates an Admin API client. `token()` returns the bearer token for each call;
 * `onUnauthenticated(error)` runs when the gateway refuses it.
 */
export function createAdminClient({ token, onUnauthenticated = () => {} }) {
  const headers = (contentType) => ({ "content-type": contentType, "connect-protocol-version": "1", authorization: `Bearer ${token()}` });
  const fail = (error) => {
    if (error.code === "unauthenticated") onUnauthenticated(error);
    throw error;
  };

  /** Calls a unary method with a JSON request; resolves to the JSON response. */
  async function call(method, request = {}) {
    const response = await fetch(SERVICE + method, { method: "POST", headers: headers("application/json"), body: JSON.stringify(request) });
    const text = await response.text();
    let body = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { message: text };
    }
    if (!response.ok) fail(new AdminError(body.code ?? `http_${response.status}`, body.message ?? response.statusText, body.details));
    return body;
  }

  /**
   * Calls a server-streaming method; `onMessage` gets each JSON message. Resolves when the
   * stream ends cleanly, rejects with an AdminError when it fails; `signal` cancels it.
   */
  async function stream(method, request, onMessage, signal) {
    const response = await fetch(SERVICE + method, { method: "POST", headers: headers("application/connect+json"), body: envelope(request), signal });
    if (!response.ok || !response.body) {
      const body = await response.json().catch(() => ({}));
      fail(new AdminError(body.code ?? `http_${response.status}`, body.message ?? response.statusText));
    }
    let endError;
    await readEnvelopes(response.body, (flags, json) => {
      if (flags & END_STREAM) {
        if (json.error) endError = new AdminError(json.error.code ?? "unknown", json.error.message, json.error.details);
        return false;
      }
      onMessage(json);
      return true;
    });
    if (endError) fail(endError);
  }

  return { call, stream };
}
