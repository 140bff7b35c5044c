// The conformance plugin's HTTP routes: POST /echo, GET /download, GET /fail.

const CHUNK_BYTES = 64 * 1024;
const PATTERN = Buffer.from("0123456789".repeat(CHUNK_BYTES / 10 + 2));

/** The routes, in the SDK's `http` format. */
export const httpRoutes = [
  {
    method: "POST",
    pathPrefix: "/echo",
    // Each request chunk is written back as soon as it is read; the total goes in a trailer.
    async handle(req, res) {
      res.writeHead(200, { "content-type": "application/octet-stream", "x-conformance-method": req.method });
      let total = 0;
      for await (const chunk of req.body) {
        total += chunk.length;
        await res.write(chunk);
      }
      res.setTrailers({ "x-echo-bytes": String(total) });
    },
  },
  {
    method: "GET",
    pathPrefix: "/download",
    // `bytes` bytes of "0123456789" repeated, in chunks of at most 64 KiB.
    async handle(req, res) {
      const size = Math.max(0, Number.parseInt(req.query.get("bytes") ?? "0", 10) || 0);
      res.writeHead(200, { "content-type": "application/octet-stream" });
      for (let sent = 0; sent < size; ) {
        const n = Math.min(size - sent, CHUNK_BYTES);
        // Each chunk starts where the pattern left off.
        await res.write(PATTERN.subarray(sent % 10, (sent % 10) + n));
        sent += n;
      }
    },
  },
  {
    method: "GET",
    pathPrefix: "/fail",
    handle() {
      throw new Error("the /fail route always fails");
    },
  },
];
