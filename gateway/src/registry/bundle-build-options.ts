/** Options of the build step of `packBundle` (`polyplug bundle` builds unless `--no-build`). */
export interface BundleBuildOptions {
  /** The Python that runs `pip wheel` (default `python3`); its version decides the wheels' tags. */
  readonly python?: string;
  /** Called before each tool runs, with a short description (for progress output). */
  readonly onStep?: (step: string) => void;
}
