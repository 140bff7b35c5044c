/** The outcome of one check of `polyplug check`. */
export interface CheckResult {
  /** e.g. `manifest`, `intercept message.will_be_posted`, `command /hello`. */
  readonly name: string;
  readonly ok: boolean;
  /** What was found: a summary when it passed, what failed and with which input when not. */
  readonly detail: string;
  readonly durationMs: number;
  /** For generated inputs: the input that failed (after shrinking), as JSON. */
  readonly failingInput?: string;
}

/** Everything `polyplug check` found about one plugin. */
export interface CheckReport {
  readonly pluginId: string | undefined;
  readonly dir: string;
  /** The seed of the generated inputs: `--seed` with it replays the same inputs. */
  readonly seed: number;
  readonly runs: number;
  readonly checks: readonly CheckResult[];
  readonly ok: boolean;
}
