/** One conformance case, as loaded from `cases/*.yaml`. */
export interface CaseSpec {
  /** Hierarchical name, e.g. `handshake/cookie-missing`; unique across all files. */
  readonly name: string;
  /** What the case checks, in one or two sentences, for reports and authors. */
  readonly description: string;
  /** The feature the implementation must declare for the case to run; none = always runs. */
  readonly feature: string | undefined;
  /**
   * Why the case is Polyplug-specific (not a rule of go-plugin itself), or undefined for a
   * go-plugin protocol rule. In go-plugin mode (another magic cookie) such cases are skipped
   * with this reason. Cases needing the `contract` feature are always Polyplug-specific.
   */
  readonly polyplugOnly: string | undefined;
  /** Required cases decide the exit code; optional ones are reported but never fail the run. */
  readonly required: boolean;
  /** Key of the TypeScript check function that runs the case (see check-registry.ts). */
  readonly check: string;
  /** Limit for the whole case, in milliseconds (default 20 000). */
  readonly timeoutMs: number;
  /** Inputs for the check, as data (payloads, sizes, offered versions...). */
  readonly params: Readonly<Record<string, unknown>>;
  /** Expectations for the check, as data (codes, texts, limits...). */
  readonly expect: Readonly<Record<string, unknown>>;
  /** The YAML file the case came from, for error messages. */
  readonly file: string;
}

/** Default per-case limit. */
export const DEFAULT_CASE_TIMEOUT_MS = 20_000;

/** Case names: lower-case segments of [a-z0-9-], separated by `/`, at least two segments. */
export const CASE_NAME_PATTERN = /^[a-z0-9][a-z0-9-]*(\/[a-z0-9][a-z0-9-]*)+$/;
