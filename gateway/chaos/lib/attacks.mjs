// Attacks on the public port: a burst of HTTP/2 streams on one connection, rapid resets,
// slow-body connections. Each resolves with what it saw.
import http2 from "node:http2";
import net from "node:net";

const INTERCEPT = "/polyplug.v1.Gateway/Intercept";
const BODY = JSON.stringify({ topic: "message.will_be_posted", payload: { message: "burst" }, timeoutMs: 1000 });

function session(url) {
  const client = http2.connect(url);
  client.on("error", () => {});
  return client;
}

/** `streams` Intercept calls at once on one HTTP/2 connection; counts statuses ("unfinished" after `boundMs`). */
export async function h2Burst(url, streams, boundMs = 30_000) {
  const client = session(url);
  const statuses = {};
  let goaway = "none";
  client.on("goaway", (code) => (goaway = `code ${code}`));
  client.on("error", (error) => (statuses[`session ${error.code ?? error.message}`] = 1));
  let finished = 0;
  const all = Promise.all(
    Array.from(
      { length: streams },
      () =>
        new Promise((resolve) => {
          let stream;
          try {
            stream = client.request({ ":method": "POST", ":path": INTERCEPT, "content-type": "application/json" });
          } catch {
            statuses.error = (statuses.error ?? 0) + 1;
            return resolve();
          }
          stream.on("response", (headers) => (statuses[headers[":status"]] = (statuses[headers[":status"]] ?? 0) + 1));
          stream.on("error", () => (statuses.reset = (statuses.reset ?? 0) + 1));
          stream.on("close", () => {
            finished++;
            resolve();
          });
          stream.resume();
          stream.end(BODY);
        }),
    ),
  );
  await Promise.race([all, new Promise((resolve) => setTimeout(resolve, boundMs))]);
  if (finished < streams) statuses.unfinished = streams - finished;
  client.destroy();
  return { streams, statuses, goaway };
}

/** Opens and at once resets up to `count` streams on one connection, until the server sends GOAWAY. */
export async function rapidReset(url, count) {
  const client = session(url);
  let goaway;
  client.on("goaway", (code) => (goaway = code));
  await new Promise((resolve) => client.once("remoteSettings", resolve));
  let sent = 0;
  for (let i = 0; i < count && !client.destroyed && !client.closed && goaway === undefined; i++) {
    try {
      const stream = client.request({ ":method": "POST", ":path": INTERCEPT, "content-type": "application/json" });
      stream.on("error", () => {});
      stream.end(BODY);
      stream.close(http2.constants.NGHTTP2_CANCEL);
      sent++;
    } catch {
      break;
    }
    if (i % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  // A loaded server reads the queued frames late: wait (bounded) for its verdict.
  if (goaway === undefined && !client.destroyed) {
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      client.once("goaway", done);
      client.once("close", done);
    });
  }
  client.destroy();
  return {
    sent,
    goaway:
      goaway === undefined
        ? "none"
        : goaway === http2.constants.NGHTTP2_ENHANCE_YOUR_CALM
          ? "ENHANCE_YOUR_CALM"
          : `code ${goaway}`,
  };
}

/**
 * Opens `count` connections that send a request head promising 100 bytes of body and then
 * one byte; resolves when the server closed them all (or after `boundMs`, closing the rest).
 */
export async function slowBodies(url, count, boundMs) {
  const { hostname, port } = new URL(url);
  const outcome = { connections: count, answered408: 0, closedSilently: 0, stillOpen: 0 };
  const sockets = [];
  const closed = [];
  for (let i = 0; i < count; i++) {
    const socket = net.connect(Number(port), hostname);
    socket.on("error", () => {});
    let answer = "";
    socket.on("data", (chunk) => (answer += chunk));
    socket.write(
      `POST ${INTERCEPT} HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{`,
    );
    sockets.push(socket);
    closed.push(
      new Promise((resolve) =>
        socket.once("close", () => {
          if (answer.startsWith("HTTP/1.1 408")) outcome.answered408++;
          else outcome.closedSilently++;
          resolve();
        }),
      ),
    );
  }
  const bound = new Promise((resolve) => setTimeout(resolve, boundMs));
  await Promise.race([Promise.all(closed), bound]);
  outcome.stillOpen = sockets.filter((socket) => !socket.destroyed && !socket.closed).length;
  for (const socket of sockets) socket.destroy();
  return outcome;
}
