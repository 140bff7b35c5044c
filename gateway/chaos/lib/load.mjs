// The steady load of a chaos run: Intercept calls at a fixed rate (every fourth one carries
// the word filter's blocked word "forbidden"), and acknowledged KV writes through the
// hostile plugin's `chaos kv-set` command, one at a time.

const INTERCEPT = "/polyplug.v1.Gateway/Intercept";
const COMMAND = "/polyplug.v1.Gateway/ExecuteCommand";
/** What the caller gives each call as its deadline (timeoutMs), in ms. */
export const CALL_DEADLINE_MS = 1000;
/** Slack on top of the deadline for "answered within deadline + 50 ms". */
export const SLACK_MS = 50;

async function post(url, path, body, timeoutMs) {
  const t0 = performance.now();
  try {
    const res = await fetch(`${url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, ms: performance.now() - t0 };
  } catch (error) {
    return { status: 0, error: error?.cause?.code ?? error?.name ?? String(error), ms: performance.now() - t0 };
  }
}

/** True when an answer is a typed outcome: a verdict, or an error with a code. */
function typed(answer) {
  if (answer.status === 200) return typeof answer.json?.allowed === "boolean";
  return answer.status > 0 && typeof answer.json?.code === "string";
}

/**
 * Starts the Intercept load against `target()` (the current gateway URL; undefined while it
 * is being restarted: no calls then). Returns { stop() → figures }.
 */
export function startInterceptLoad(target, ratePerSecond) {
  const figures = {
    sent: 0,
    typedInTime: 0,
    typedLate: 0,
    untyped: 0,
    forbiddenSent: 0,
    forbiddenAllowed: 0,
    codes: {},
    untypedErrors: {},
    maxMs: 0,
    lateAtS: [],
    untypedAtS: [],
    cutByKill: 0,
  };
  const t0 = Date.now();
  let epoch = 0;
  const pending = new Set();
  let n = 0;
  const fire = () => {
    const url = target();
    if (!url) return;
    const forbidden = n % 4 === 0;
    const message = forbidden ? `this is forbidden (call ${n})` : `hello, call ${n}`;
    n++;
    figures.sent++;
    const calledIn = epoch;
    const calledAt = (Date.now() - t0) / 1000;
    if (forbidden) figures.forbiddenSent++;
    const call = post(
      url,
      INTERCEPT,
      { topic: "message.will_be_posted", payload: { message }, timeoutMs: CALL_DEADLINE_MS },
      CALL_DEADLINE_MS + 5000,
    ).then((answer) => {
      pending.delete(call);
      figures.maxMs = Math.max(figures.maxMs, answer.ms);
      if (!typed(answer) && calledIn !== epoch) {
        // In flight when the suite killed the gateway on purpose: not the gateway's answer to judge.
        figures.cutByKill++;
        figures.sent--;
        return;
      }
      if (!typed(answer)) {
        figures.untyped++;
        if (figures.untypedAtS.length < 30)
          figures.untypedAtS.push(`${calledAt.toFixed(1)}:${answer.error ?? answer.status}`);
        const key = answer.error ?? `HTTP ${answer.status}`;
        figures.untypedErrors[key] = (figures.untypedErrors[key] ?? 0) + 1;
        return;
      }
      const code = answer.status === 200 ? (answer.json.allowed ? "allowed" : "rejected") : answer.json.code;
      figures.codes[code] = (figures.codes[code] ?? 0) + 1;
      if (answer.ms <= CALL_DEADLINE_MS + SLACK_MS) figures.typedInTime++;
      else {
        figures.typedLate++;
        if (figures.lateAtS.length < 30) figures.lateAtS.push(`${calledAt.toFixed(1)}:${Math.round(answer.ms)}ms`);
      }
      if (forbidden && answer.status === 200 && answer.json.allowed === true) figures.forbiddenAllowed++;
    });
    pending.add(call);
  };
  const timer = setInterval(fire, 1000 / ratePerSecond);
  return {
    figures,
    /** The gateway is about to be killed on purpose: calls in flight now do not count. */
    cutting() {
      epoch++;
    },
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      return figures;
    },
  };
}

/** Runs `chaos <args...>` on the hostile plugin through the public API. */
export function chaosCommand(url, ...args) {
  return post(url, COMMAND, { command: "chaos", args: args.map(String), timeoutMs: 3000 }, 8000);
}

/**
 * Writes k0, k1, … through the hostile plugin, one at a time, into `acked` (key → value) for
 * each write the gateway acknowledged (HTTP 200). Returns { stop() }.
 */
export function startKvWriter(target, acked, intervalMs) {
  let stopped = false;
  let n = 0;
  const done = (async () => {
    while (!stopped) {
      const url = target();
      if (url) {
        const key = `k${n}`;
        const value = `v${n}-${Date.now()}`;
        n++;
        const answer = await chaosCommand(url, "kv-set", key, value);
        if (answer.status === 200 && answer.json?.text === "stored") acked.set(key, value);
      }
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    attempted: () => n,
    async stop() {
      stopped = true;
      await done;
    },
  };
}
