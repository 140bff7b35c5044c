// Summarises a V8 .cpuprofile: self time per package and the top self-time frames.
import path from "node:path";

/** Which package a frame's URL belongs to. */
function packageOf(url) {
  if (!url) return "(native / V8)";
  if (url.startsWith("node:")) return "node internals";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.includes("/gateway/dist/")) return `polyplug ${url.slice(url.indexOf("/gateway/dist/") + 14).split("/")[0]}/`;
  if (url.includes("/gateway/bench/")) return "bench harness";
  return url;
}

/**
 * Prints self time by package (grpc-js, protobuf-es, Polyplug folders, Node internals...)
 * and the `top` frames with the most self time, to stdout.
 * @param {{nodes: any[], samples: number[], timeDeltas: number[]}} profile
 * @param {number} [top]
 */
export function summarise(profile, top = 30) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byPackage = new Map();
  const byFrame = new Map();
  for (const [id, us] of selfUs) {
    const { callFrame } = byId.get(id);
    const pkg = packageOf(callFrame.url);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
    const frame = `${callFrame.functionName || "(anonymous)"} ${callFrame.url ? `${path.basename(callFrame.url)}:${callFrame.lineNumber + 1}` : ""} [${pkg}]`;
    byFrame.set(frame, (byFrame.get(frame) ?? 0) + us);
  }
  const pct = (us) => `${((us / total) * 100).toFixed(1).padStart(5)}%`;
  process.stdout.write(`\nself time by package (total ${(total / 1e6).toFixed(2)} s sampled)\n`);
  for (const [pkg, us] of [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, 15))
    process.stdout.write(`  ${pct(us)}  ${pkg}\n`);
  process.stdout.write("\ntop self-time frames\n");
  for (const [frame, us] of [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`  ${pct(us)}  ${frame}\n`);
}
