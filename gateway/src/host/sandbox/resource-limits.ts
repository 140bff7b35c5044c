/** Resource limits applied to one plugin process and everything it starts. */
export interface ResourceLimits {
  /** Memory (anonymous + page cache + tmpfs charged to the plugin), MiB. */
  readonly memoryMiB: number;
  /** CPU as a percentage of one core (100 = one core, 200 = two). */
  readonly cpuPercent: number;
  /** Processes and threads the plugin may have at once. */
  readonly processes: number;
  /** Open file descriptors per process. */
  readonly openFiles: number;
}

/** A partial set of limits: a manifest's request or an operator's override. */
export type ResourceLimitsRequest = { readonly [K in keyof ResourceLimits]?: ResourceLimits[K] | undefined };

/**
 * The gateway's defaults: room for a Node, Python or Go plugin with its runtime (a Node
 * plugin idles at ~60 MiB, Python at ~30 MiB, Go at ~15 MiB), one core, and enough
 * processes and threads for a worker pool, while a runaway plugin cannot starve the host.
 */
export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = {
  memoryMiB: 512,
  cpuPercent: 100,
  processes: 256,
  openFiles: 1024,
};

function defined(request: ResourceLimitsRequest | undefined): Partial<ResourceLimits> {
  return Object.fromEntries(Object.entries(request ?? {}).filter(([, value]) => value !== undefined));
}

/**
 * The limits a plugin runs with, lowest precedence first: the gateway's defaults, the
 * operator's `pluginLimits.default`, what the manifest asks for (the operator approved it
 * at install), the operator's `pluginLimits["<plugin id>"]`. The operator has the last word.
 */
export function resolveResourceLimits(layers: {
  readonly operatorDefault?: ResourceLimitsRequest | undefined;
  readonly manifest?: ResourceLimitsRequest | undefined;
  readonly operatorPlugin?: ResourceLimitsRequest | undefined;
}): ResourceLimits {
  return {
    ...DEFAULT_RESOURCE_LIMITS,
    ...defined(layers.operatorDefault),
    ...defined(layers.manifest),
    ...defined(layers.operatorPlugin),
  };
}

/** "memory 512 MiB, CPU 100%, 256 processes, 1024 open files", for logs and status. */
export function describeResourceLimits(limits: ResourceLimits): string {
  return `memory ${limits.memoryMiB} MiB, CPU ${limits.cpuPercent}%, ${limits.processes} processes, ${limits.openFiles} open files`;
}
