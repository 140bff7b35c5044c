// For the "conninfo-forgotten" fixture: the host's ConnInfo messages on the broker stream
// are rewritten to point at a one-shot proxy, which forwards the plugin's first connection
// to the real GatewayAPI socket and then disappears - so the plugin behaves as if it had
// forgotten the ConnInfo and could not redial.
import { randomInt } from "node:crypto";
import { unlinkSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { Transform } from "node:stream";

function readVarint(bytes, at) {
  let value = 0;
  let shift = 0;
  for (;;) {
    const b = bytes[at++];
    value += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [value, at];
    shift += 7;
  }
}

function varint(value) {
  const out = [];
  while (value >= 0x80) {
    out.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  out.push(value);
  return Buffer.from(out);
}

/** plugin.ConnInfo with field 3 (address) replaced by `mapAddress(address)`; other fields kept as they were. */
function rewrite(message, mapAddress) {
  const kept = [];
  let address = "";
  for (let at = 0; at < message.length; ) {
    const start = at;
    let key;
    [key, at] = readVarint(message, at);
    if ((key & 7) === 0) [, at] = readVarint(message, at);
    else if ((key & 7) === 2) {
      let length;
      [length, at] = readVarint(message, at);
      if (key >>> 3 === 3) address = message.subarray(at, at + length).toString("utf8");
      at += length;
    } else return message; // not a ConnInfo we understand: leave it alone
    if (key >>> 3 !== 3) kept.push(message.subarray(start, at));
  }
  const mapped = Buffer.from(mapAddress(address), "utf8");
  return Buffer.concat([...kept, Buffer.from([0x1a]), varint(mapped.length), mapped]);
}

/** A Transform over gRPC length-prefixed messages that rewrites each ConnInfo's address. */
export function connInfoRewriter(mapAddress) {
  let pending = Buffer.alloc(0);
  return new Transform({
    transform(chunk, _encoding, done) {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
        const length = pending.readUInt32BE(1);
        const message = rewrite(pending.subarray(5, 5 + length), mapAddress);
        const header = Buffer.alloc(5);
        header[0] = pending[0];
        header.writeUInt32BE(message.length, 1);
        this.push(Buffer.concat([header, message]));
        pending = pending.subarray(5 + length);
      }
      done();
    },
  });
}

/** A unix-socket proxy to `target` that serves one connection, then removes its socket. Returns its path. */
export function oneShotProxy(target, dir) {
  const address = path.join(dir, `oneshot${randomInt(1e9)}.sock`);
  const server = net.createServer((socket) => {
    server.close();
    const upstream = net.connect(target);
    socket.pipe(upstream).pipe(socket);
    const end = () => {
      socket.destroy();
      upstream.destroy();
    };
    socket.on("error", end);
    upstream.on("error", end);
    socket.on("close", end);
    upstream.on("close", end);
  });
  server.listen(address);
  server.on("close", () => {
    try {
      unlinkSync(address);
    } catch {
      // already gone
    }
  });
  return address;
}
