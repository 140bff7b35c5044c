// The "Node floor" of the gateway-start benchmark (issue #17, row 4): the least a Node 20
// gateway can do before its first answer, with nothing of Polyplug in it. It reads the same
// plugins folder, spawns each plugin with go-plugin's handshake environment (plaintext, no
// AutoMTLS, no sandbox, like the Go baseline), reads its handshake line, opens one HTTP/2
// connection to it and serves POST /polyplug.v1.Gateway/Intercept: the JSON body's topic and
// payload, encoded as the plugin's InterceptRequest by hand, sent to each plugin in chain order
// (priority, then id); the JSON answer names each plugin's outcome like Polyplug's public API.
// Only node: built-ins, no store, no supervision, no Describe/Activate (the Go gateway skips
// them too), no error handling beyond "not a 200": a bench reference, never shipped.
//
//   node bench/node-floor-gateway.mjs PLUGINS_DIR HOST:PORT
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import path from "node:path";

const [pluginsDir, listen] = process.argv.slice(2);
const MAGIC_COOKIE_KEY = "POLYPLUG_PLUGIN";
const MAGIC_COOKIE_VALUE = "5be0d50d6b1969b5bbdf8d18b208649b561434faabc06d476b2e525d3b9c8abb";
const OUTCOMES = ["", "PROCEED", "MODIFY", "REJECT", "FAILED_OPEN"]; // InterceptResponse field → chain step outcome

const manifests = readdirSync(pluginsDir)
  .map((dir) => ({
    dir: path.join(pluginsDir, dir),
    ...JSON.parse(readFileSync(path.join(pluginsDir, dir, "plugin.json"), "utf8")),
  }))
  .sort((a, b) => a.hooks.intercept[0].priority - b.hooks.intercept[0].priority || a.id.localeCompare(b.id));

/** Spawns one plugin and resolves its HTTP/2 session once its handshake line is in. */
function startPlugin(manifest) {
  const child = spawn(manifest.command[0], manifest.command.slice(1), {
    cwd: manifest.dir,
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      ...manifest.env,
      [MAGIC_COOKIE_KEY]: MAGIC_COOKIE_VALUE,
      PLUGIN_PROTOCOL_VERSIONS: "1",
      PLUGIN_MIN_PORT: "10000",
      PLUGIN_MAX_PORT: "25000",
    },
  });
  process.once("exit", () => child.kill());
  return new Promise((resolve, reject) => {
    let line = "";
    child.on("exit", (code) => reject(new Error(`plugin ${manifest.id} exited (${code})`)));
    child.stdout.on("data", function onData(chunk) {
      line += chunk;
      if (!line.includes("\n")) return;
      child.stdout.off("data", onData);
      child.stdout.resume();
      const [, , network, address] = line.split("\n")[0].split("|"); // core|app|network|address|grpc
      const target =
        network === "unix" ? { path: address } : { host: address.split(":")[0], port: Number(address.split(":")[1]) };
      const session = http2.connect("http://plugin", { createConnection: () => net.connect(target) });
      session.unref();
      resolve({ id: manifest.id, session });
    });
  });
}

// --- protobuf by hand: InterceptRequest { string topic = 2; google.protobuf.Struct payload = 3; }
function varint(n) {
  const out = [];
  for (; n > 0x7f; n >>>= 7) out.push((n & 0x7f) | 0x80);
  out.push(n);
  return Buffer.from(out);
}
function field(number, bytes) {
  return Buffer.concat([varint((number << 3) | 2), varint(bytes.length), bytes]);
}
/** google.protobuf.Value of a JSON value. */
function value(v) {
  if (v === null) return Buffer.from([0x08, 0x00]);
  if (typeof v === "number") {
    const b = Buffer.alloc(9);
    b[0] = 0x11;
    b.writeDoubleLE(v, 1);
    return b;
  }
  if (typeof v === "string") return field(3, Buffer.from(v));
  if (typeof v === "boolean") return Buffer.from([0x20, v ? 1 : 0]);
  if (Array.isArray(v)) return field(6, Buffer.concat(v.map((item) => field(1, value(item)))));
  return field(5, struct(v));
}
/** google.protobuf.Struct of a JSON object: map<string, Value> fields = 1. */
function struct(object) {
  return Buffer.concat(
    Object.entries(object).map(([k, v]) => field(1, Buffer.concat([field(1, Buffer.from(k)), field(2, value(v))]))),
  );
}

/** One unary call: the answer's message, or an Error. */
function intercept(session, message) {
  return new Promise((resolve, reject) => {
    const frame = Buffer.alloc(5);
    frame.writeUInt32BE(message.length, 1);
    const stream = session.request({
      ":method": "POST",
      ":path": "/polyplug.v1.Plugin/Intercept",
      "content-type": "application/grpc",
      te: "trailers",
    });
    const chunks = [];
    stream.on("data", (chunk) => chunks.push(chunk));
    stream.on("trailers", (trailers) => {
      if (trailers["grpc-status"] !== "0") reject(new Error(`grpc-status ${trailers["grpc-status"]}`));
    });
    stream.on("end", () => resolve(Buffer.concat(chunks).subarray(5)));
    stream.on("error", reject);
    stream.end(Buffer.concat([frame, message]));
  });
}

const plugins = await Promise.all(manifests.map(startPlugin));
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (chunk) => chunks.push(chunk));
  req.on("end", async () => {
    try {
      const { topic, payload } = JSON.parse(Buffer.concat(chunks).toString());
      const message = Buffer.concat([field(2, Buffer.from(topic)), field(3, struct(payload ?? {}))]);
      const steps = [];
      for (const plugin of plugins) {
        const answer = await intercept(plugin.session, message);
        steps.push({
          pluginId: plugin.id,
          outcome: `CHAIN_STEP_OUTCOME_${OUTCOMES[(answer[0] ?? 0) >> 3] || "FAILED_OPEN"}`,
        });
      }
      const body = JSON.stringify({ allowed: steps.every((s) => s.outcome !== "CHAIN_STEP_OUTCOME_REJECT"), steps });
      res.writeHead(200, { "content-type": "application/json" }).end(body);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
});
const at = listen.lastIndexOf(":");
server.listen(Number(listen.slice(at + 1)), listen.slice(0, at));
process.on("SIGTERM", () => process.exit(0));
