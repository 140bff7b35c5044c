// A client of polyplug.v1.Admin in the browser: Connect's JSON protocol over fetch.
// Unary calls are a JSON POST; server-streaming calls use Connect's envelopes
// (1 flag byte, 4-byte big-endian length, JSON message; flag 0x02 marks the end-of-stream
// message, which carries the error if the call failed).

const SERVICE = "/polyplug.v1.Admin/";
/** The header carrying the session's CSRF key (see gateway/src/admin/admin-gate.ts). */
const CSRF_HEADER = "x-polyplug-csrf";

// The console's own fetch, taken before any plugin bundle runs: a bundle that replaces
// window.fetch does not see the CSRF key go by.
export const consoleFetch = window.fetch.bind(window);
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
 * Creates an Admin API client for a signed-in console: the session cookie (HttpOnly, so no
 * script reads it) goes with every call, and `csrf` — the key the sign-in answered, kept in
 * this page's memory only — in a header. `onUnauthenticated(error)` runs when the gateway
 * refuses the session.
 */
export function createAdminClient({ csrf, onUnauthenticated = () => {} }) {
  const headers = (contentType) => ({
    "content-type": contentType,
    "connect-protocol-version": "1",
    [CSRF_HEADER]: csrf,
  });
  const fail = (error) => {
    if (error.code === "unauthenticated") onUnauthenticated(error);
    throw error;
  };

  /** Calls a unary method with a JSON request; resolves to the JSON response. */
  async function call(method, request = {}) {
    const response = await consoleFetch(SERVICE + method, {
      method: "POST",
      headers: headers("application/json"),
      body: JSON.stringify(request),
      credentials: "same-origin",
    });
    const text = await response.text();
    let body = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      body = { message: text };
    }
    if (!response.ok)
      fail(new AdminError(body.code ?? `http_${response.status}`, body.message ?? response.statusText, body.details));
    return body;
  }

  /**
   * Calls a server-streaming method; `onMessage` gets each JSON message. Resolves when the
   * stream ends cleanly, rejects with an AdminError when it fails; `signal` cancels it.
   */
  async function stream(method, request, onMessage, signal) {
    const response = await consoleFetch(SERVICE + method, {
      method: "POST",
      headers: headers("application/connect+json"),
      body: envelope(request),
      signal,
      credentials: "same-origin",
    });
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

  /** Signs this session out (the cookie is cleared and the session ended on the gateway). */
  async function signOut() {
    await consoleFetch("/console/session", {
      method: "DELETE",
      headers: { [CSRF_HEADER]: csrf },
      credentials: "same-origin",
    }).catch(() => undefined);
  }

  return { call, stream, signOut };
}

/**
 * Exchanges the admin token for a console session: the gateway sets an HttpOnly,
 * SameSite=Strict cookie and answers the CSRF key. Rejects with an AdminError
 * ("unauthenticated" for a wrong token).
 */
export async function signIn(token) {
  const response = await consoleFetch("/console/session", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token }),
    credentials: "same-origin",
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new AdminError(body.code ?? `http_${response.status}`, body.message ?? response.statusText);
  return body;
}
