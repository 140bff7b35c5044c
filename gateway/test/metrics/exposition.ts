/** One sample of a Prometheus text exposition. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed exposition: samples plus each metric family's TYPE. */
export interface Exposition {
  readonly samples: Sample[];
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses Prometheus text format 0.0.4 strictly enough to catch malformed output: every line must be a comment or a sample. */
export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line === "") continue;
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      if (!name || !type) throw new Error(`bad TYPE line: ${line}`);
      types.set(name, type);
      continue;
    }
    if (line.startsWith("#")) continue;
    const match = SAMPLE.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? "").matchAll(LABEL))
      labels[label[1] ?? ""] = (label[2] ?? "").replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c));
    // Values parse like Go's strconv.ParseFloat, as Prometheus does: NaN and Inf in any case.
    const raw = (match[3] ?? "").toLowerCase();
    const value =
      raw === "nan" ? NaN : /^[+-]?inf$/.test(raw) ? (raw.startsWith("-") ? -Infinity : Infinity) : Number(raw);
    if (Number.isNaN(value) && raw !== "nan") throw new Error(`bad value in: ${line}`);
    samples.push({ name: match[1] ?? "", labels, value });
  }
  return { samples, types };
}

/** The value of the one sample named `name` whose labels include `labels` (undefined when none; throws when several). */
export function sampleValue(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number | undefined {
  const found = exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
