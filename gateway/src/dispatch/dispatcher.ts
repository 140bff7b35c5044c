import type { JsonObject } from "@bufbuild/protobuf";
import type { AppliedFailMode } from "./failure-policy.js";
import type { BidiStream } from "@polyplug/sdk/internal/rpc/client.js";
import type {
  ServeHTTPRequestSchema,
  ServeHTTPResponseSchema,
} from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";

/** Facts about the call that the caller supplies; they become the HookContext. */
export interface CallOptions {
  /** Generated when absent. */
  readonly requestId?: string;
  /** W3C traceparent; generated when absent. */
  readonly traceparent?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Overall deadline for the whole call (ms from now); each plugin also has its own hook timeout. */
  readonly timeoutMs?: number;
  /** The caller went away: stop and cancel in-flight plugin calls. */
  readonly signal?: AbortSignal;
}

/** What happened at one plugin of an intercept chain. */
export interface ChainStep {
  readonly pluginId: string;
  /** proceed / modify / reject, or a failure that was let through (fail-open) or turned into a rejection (fail-closed). */
  readonly outcome: "proceed" | "modify" | "reject" | "failed-open" | "failed-closed";
  readonly durationMs: number;
  /** For failures: error code (e.g. deadline_exceeded, plugin_failed, unavailable) and message. */
  readonly error?: { readonly code: string; readonly message: string };
  /** The fail mode that applied to this plugin and topic, and where it came from (the operator's FailurePolicy). */
  readonly failMode?: AppliedFailMode;
}

/** The verdict of an intercept chain. */
export interface InterceptVerdict {
  readonly requestId: string;
  /** True when the event may go ahead (possibly modified). */
  readonly allowed: boolean;
  /** The final payload (equal to the input when nobody modified it). */
  readonly payload: JsonObject;
  readonly modified: boolean;
  /** Set when rejected: which plugin, why, and its machine-readable code. */
  readonly rejection?: {
    readonly pluginId: string;
    readonly reason: string;
    readonly code: string;
    readonly failure: boolean;
  };
  readonly steps: readonly ChainStep[];
}

/** Receipt of a fire-and-forget notification. */
export interface NotifyReceipt {
  readonly requestId: string;
  /** Plugins the event was queued for. */
  readonly queuedFor: readonly string[];
  /** Plugins whose queue was full, so the event was dropped for them. */
  readonly droppedFor: readonly string[];
}

/** Result of a command. */
export interface CommandResult {
  readonly requestId: string;
  readonly pluginId: string;
  readonly text: string;
  readonly data: JsonObject | undefined;
}

/** An open ServeHTTP stream to one plugin. */
export type PluginHttpStream = BidiStream<typeof ServeHTTPRequestSchema, typeof ServeHTTPResponseSchema>;

/**
 * The gateway's hook dispatch, as the public surfaces use it. Errors are PolyplugError
 * with a code (invalid_argument, not_found for unknown plugins or commands,
 * resource_exhausted for payloads over the limit, conflict for commands claimed twice...).
 */
export interface Dispatcher {
  intercept(topic: string, payload: JsonObject, options?: CallOptions): Promise<InterceptVerdict>;
  notify(topic: string, payload: JsonObject, options?: CallOptions): NotifyReceipt;
  /** `command` is the name without a leading slash; `raw` the whole command line. */
  executeCommand(command: string, args: readonly string[], raw: string, options?: CallOptions): Promise<CommandResult>;
  /**
   * Opens a ServeHTTP stream to the plugin `pluginId` for `method path` (path below
   * /plugins/{id}); throws not_found when there is no such active plugin or route.
   * The caller sends the head (with the HookContext the dispatcher returns), body frames, end.
   */
  openHttpStream(
    pluginId: string,
    method: string,
    path: string,
    options?: CallOptions,
  ): { stream: PluginHttpStream; context: HookContextInit };
}

/** The HookContext the dispatcher built for a call. */
export interface HookContextInit {
  readonly requestId: string;
  readonly traceparent: string;
  readonly pluginId: string;
  readonly metadata: Readonly<Record<string, string>>;
  readonly deadlineMs: number | undefined;
}
