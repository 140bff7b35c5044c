// The audit log's storage in the plugin's KV namespace: a sequence counter advanced with
// compare-and-set, and one key per event ("event/000000000042").

const COUNTER_KEY = "counter";
const EVENT_PREFIX = "event/";

function eventKey(seq) {
  return `${EVENT_PREFIX}${String(seq).padStart(12, "0")}`;
}

/** Reserves the next sequence number; safe against concurrent writers (CAS retry loop). */
export async function nextSequence(kv) {
  for (;;) {
    const current = await kv.get(COUNTER_KEY);
    const next = current ? Number(current.text()) + 1 : 1;
    const result = current
      ? await kv.set(COUNTER_KEY, String(next), { ifEquals: current.value })
      : await kv.set(COUNTER_KEY, String(next), { ifAbsent: true });
    if (result.applied) return next;
  }
}

/** Stores one event under a fresh sequence number; returns the number. */
export async function record(kv, event, retentionSeconds) {
  const seq = await nextSequence(kv);
  await kv.set(
    eventKey(seq),
    JSON.stringify({ seq, ...event }),
    retentionSeconds > 0 ? { ttlMs: retentionSeconds * 1000 } : {},
  );
  return seq;
}

/** Every stored event key, oldest first. */
export function eventKeys(kv) {
  return kv.keys(EVENT_PREFIX);
}

/** Number of stored (unexpired) events. */
export async function countEvents(kv) {
  let count = 0;
  for await (const _key of eventKeys(kv)) count++;
  return count;
}

/** The last `n` events. */
export async function recentEvents(kv, n) {
  const keys = [];
  for await (const key of eventKeys(kv)) keys.push(key);
  const events = [];
  for (const key of keys.slice(-n)) {
    const entry = await kv.get(key);
    if (entry) events.push(entry.json());
  }
  return events;
}

/** Deletes every event and the counter; returns how many events were removed. */
export async function clear(kv) {
  let removed = 0;
  for (;;) {
    const page = await kv.list(EVENT_PREFIX, { pageSize: 100 });
    if (page.keys.length === 0) break;
    for (const key of page.keys) if (await kv.delete(key)) removed++;
  }
  await kv.delete(COUNTER_KEY);
  return removed;
}
