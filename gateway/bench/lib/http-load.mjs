// A small HTTP/1.1 load generator for the public API (keep-alive connections, one per
// worker), measuring per-request latency like the hook phases do, and optionally a figure
// the server reports in each answer (e.g. the chain's own step durations).
import http from "node:http";

/**
 * POSTs `body` (JSON) to `url` from `concurrency` workers for `durationMs` after `warmup`
 * requests; `check` validates each answer and throws on a wrong one. With `inner`, each
 * successful measured answer also yields `{latencyUs, innerUs: inner(json)}` in `paired`
 * (the request's own latency next to a duration the server reported for it).
 * @param {{url: string, body: unknown, concurrency: number, warmup: number, durationMs: number, minCalls: number, check: (json: any) => void, inner?: (json: any) => number}} options
 * @returns {Promise<{latenciesUs: number[], paired: {latencyUs: number, innerUs: number}[], elapsedMs: number, errors: number, firstError: string | undefined}>}
 */
export async function httpLoad({ url, body, concurrency, warmup, durationMs, minCalls, check, inner }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const payload = Buffer.from(JSON.stringify(body));
  const post = () =>
    new Promise((resolve, reject) => {
      const req = http.request(
        url,
        { method: "POST", agent, headers: { "content-type": "application/json", "content-length": payload.length } },
        (res) => {
          const chunks = [];
          res.on("data", (chunk) => chunks.push(chunk));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString();
            if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
            try {
              const json = JSON.parse(text);
              check(json);
              resolve(json);
            } catch (error) {
              reject(error);
            }
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  const workers = async (more, fn) => {
    let tickets = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (more(tickets++)) await fn();
      }),
    );
  };
  try {
    await workers((i) => i < warmup, post);
    const latenciesUs = [];
    const paired = [];
    let errors = 0;
    let firstError;
    const start = performance.now();
    const end = start + durationMs;
    await workers(
      (i) => i < minCalls || performance.now() < end,
      async () => {
        const t0 = performance.now();
        let json;
        try {
          json = await post();
        } catch (error) {
          errors++;
          firstError ??= String(error);
        }
        const latencyUs = (performance.now() - t0) * 1000;
        latenciesUs.push(latencyUs);
        if (inner && json !== undefined) paired.push({ latencyUs, innerUs: inner(json) });
      },
    );
    return { latenciesUs, paired, elapsedMs: performance.now() - start, errors, firstError };
  } finally {
    agent.destroy();
  }
}
