// The contract between `polyplug conformance` and the conformance package (polyplug-conformance).
// The conformance package depends on this one (it drives plugins through the host core), so the
// gateway cannot import it: the gateway declares what it calls here, the conformance package
// implements it against these types (conformance/src/run-cli.ts), and cli/conformance.ts loads
// it only when the command runs.

/** Options of `polyplug conformance`, as the CLI parsed them. */
export interface ConformanceCliOptions {
  readonly plugin: readonly string[];
  readonly cases?: readonly string[];
  readonly skip?: readonly string[];
  readonly features?: string;
  readonly knownFailing?: string;
  /** json, junit or markdown; written to `out` (or stdout instead of the table). */
  readonly report?: string;
  readonly out?: string;
  /** `-v`: traces of every case (failures first), not only of failures. */
  readonly verbose?: boolean;
  /** `--cookie KEY=VALUE` (parsed): another cookie than Polyplug's runs the suite in go-plugin mode. */
  readonly cookie?: { readonly key: string; readonly value: string };
  /** `--protocol-versions`: app protocol versions the plugin speaks. */
  readonly protocolVersions?: readonly number[];
  /** `--automtls`: start plugins through the host core with AutoMTLS. */
  readonly autoMtls?: boolean;
  /** `--start-timeout` in milliseconds (default 15 000). */
  readonly startTimeoutMs?: number;
}

/** Where the CLI writes. */
export interface ConformanceCliIo {
  out(text: string): void;
  err(text: string): void;
}

/** What `polyplug conformance` needs from the conformance package's entry point. */
export interface ConformanceCliModule {
  /** Runs the suite; resolves with the exit code (0 passed, 1 failed, 2 bad options or files). */
  runConformanceCli(options: ConformanceCliOptions, io: ConformanceCliIo): Promise<number>;
}
