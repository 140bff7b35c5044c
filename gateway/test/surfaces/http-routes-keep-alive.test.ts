// A plugin may answer a POST without reading its body (the Go example answers 404 at once).
// The gateway must still end that answer cleanly and keep the client's HTTP/1.1 connection
// open: the plugin's early close used to race the gateway's own request writes, and the
// lost race destroyed the connection ("other side closed" on the next request).
import http from "node:http";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { createGateway, type Gateway } from "../../src/runtime/gateway.js";
import { fixturePaths } from "../paths.js";
import { dataDir } from "../runtime/scripted-plugins.js";

const MEMBERSHIP = "com.polyplug.example.membership";

let gateway: Gateway;

beforeAll(async () => {
  gateway = await createGateway({
    pluginsDirs: [path.join(fixturePaths.examplesGo, "plugins")],
    dataDir: dataDir(),
    port: 0,
    logger: pino({ level: "silent" }),
    socketDirBase: mkdtempSync(path.join(tmpdir(), "sockets-")),
  });
  expect(gateway.plugin(MEMBERSHIP)?.state).toBe("active");
});
afterAll(() => gateway?.stop());

interface Answer {
  readonly status: number;
  readonly body: string;
  readonly socket: string;
  readonly reused: boolean;
}

/** POSTs `body` on the agent's one connection; rejects on a transport error. */
function post(agent: http.Agent, urlPath: string, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${gateway.url}${urlPath}`,
      { method: "POST", agent, headers: { "content-type": "application/octet-stream" } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            body: Buffer.concat(chunks).toString(),
            socket: `${req.socket?.localPort ?? 0}`,
            reused: req.reusedSocket,
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

describe("plugin HTTP routes on a keep-alive connection", () => {
  it("keeps the connection open after many POSTs the plugin answers 404 without reading", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const sockets = new Set<string>();
      for (let i = 0; i < 40; i++) {
        // Bodies from 1 byte to ~160 KiB: some fit in one frame, some need several.
        const answer = await post(
          agent,
          `/plugins/${MEMBERSHIP}/echo/not-here-${i}`,
          Buffer.alloc(1 + ((i * 4099) % (160 * 1024)), i),
        );
        expect(answer.status, `request ${i}`).toBe(404);
        sockets.add(answer.socket);
      }
      const echoed = await post(agent, `/plugins/${MEMBERSHIP}/echo`, Buffer.from("still here"));
      expect(echoed).toMatchObject({ status: 200, body: "still here", reused: true });
      expect(sockets.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });
});
