// The steady load in a worker thread of its own, so the attacks the main thread runs
// (thousands of streams and sockets) neither slow its fixed rate nor inflate its latencies.
import { parentPort, workerData } from "node:worker_threads";
import { startInterceptLoad, startKvWriter } from "./load.mjs";

let url = workerData.url;
const target = () => url;
const load = startInterceptLoad(target, workerData.rate);
const acked = new Map();
const kv = startKvWriter(target, acked, workerData.kvIntervalMs);

parentPort.on("message", async (message) => {
  if (message.type === "target") url = message.url;
  else if (message.type === "cutting") {
    url = undefined;
    load.cutting();
    // What was acknowledged before the kill: the writer's in-flight write is not promised.
    parentPort.postMessage({ type: "acked", acked: [...acked] });
  } else if (message.type === "stop") {
    await kv.stop();
    const figures = await load.stop();
    parentPort.postMessage({ type: "figures", figures });
  }
});
