// A small HTTP/1.1 load generator for the public API (keep-alive connections, one per
// worker), measuring per-request latency like the hook phases do.
import http from "node:http";

/**
 * POSTs `body` (JSON) to `url` from `concurrency` workers for `durationMs` after `warmup`
 * requests; `check` validates each answer and throws on a wrong one.
 * @param {{url: string, body: unknown, concurrency: number, warmup: number, durationMs: number, minCalls: number, check: (json: any) => void}} options
 */
export async function httpLoad({ url, body, concurrency, warmup, durationMs, minCalls, check }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = Buffer.from(JSON.stringify(body));
  const post = () =>
    new Promise((resolve, reject) => {
      const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": payload.length } }, (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          try {
            check(JSON.parse(text));
            resolve(undefined);
          } catch (error) {
            reject(error);
          }
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  const workers = async (more, fn) => {
    let tickets = 0;
    await Promise.all(Array.from({ length: concurrency }, async () => {
      while (more(tickets++)) await fn();
    }));
  };
  try {
    await workers((i) => i < warmup, post);
    const latenciesUs = [];
    let errors = 0;
    let firstError;
    const start = performance.now();
    const end = start + durationMs;
    await workers((i) => i < minCalls || performance.now() < end, async () => {
      const t0 = performance.now();
      try {
        await post();
      } catch (error) {
        errors++;
        firstError ??= String(error);
      }
      latenciesUs.push((performance.now() - t0) * 1000);
    });
    return { latenciesUs, elapsedMs: performance.now() - start, errors, firstError };
  } finally {
    agent.destroy();
  }
}
