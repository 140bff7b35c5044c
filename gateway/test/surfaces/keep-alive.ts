// Requests on one keep-alive HTTP/1.1 connection, for the tests of what a connection's calls
// share (surfaces/call-signals.ts): the socket each answer came on proves it was the same one.
import http from "node:http";

/** An answer's status and the socket it came on. */
export interface KeepAliveAnswer {
  readonly status: number;
  readonly socket: unknown;
}

/** A keep-alive agent with at most one connection: every request through it shares that connection. */
export function oneConnectionAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 1 });
}

/** POSTs `body` as JSON to `url` through `agent`; rejects on a transport error (the connection closed). */
export function postJson(url: string, agent: http.Agent, body: string): Promise<KeepAliveAnswer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json" } });
    req.on("error", reject);
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, socket: req.socket }));
    });
    req.end(body);
  });
}
