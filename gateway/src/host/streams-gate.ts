import type { UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";

/**
 * Longest wait before a plugin's broker and stdio streams come up when nothing else opened
 * the gate: the caller's first call (a health check, Describe) normally comes back well
 * within it; plugin output written meanwhile waits in the plugin's pipe, nothing is lost.
 */
export const STREAMS_START_MS = 20;

/** When a plugin connection's broker and stdio streams come up. */
export interface StreamsGate {
  /** The transport to call through: the same calls; the first one that settles opens the gate. */
  readonly unary: UnaryTransport;
  /** Opens the gate now (the broker is about to be used); idempotent. */
  open(): void;
  /** The plugin is stopping: the gate never opens. */
  cancel(): void;
}

/**
 * Runs `onOpen` once: after the first unary call through `gate.unary` has settled and its
 * caller has seen the answer, when `open()` is called, or `maxMs` from now — whichever is
 * first. Opening them (on a grpc-js connection of their own until #17's memory work) cost the gateway's thread ~2 ms; done
 * right after connecting it delayed the first health check or hook by as much (#17 start-up).
 * go-plugin's Go host starts them in goroutines beside the first call.
 */
export function createStreamsGate(unary: UnaryTransport, onOpen: () => void, maxMs = STREAMS_START_MS): StreamsGate {
  let state: "waiting" | "open" | "cancelled" = "waiting";
  const open = (): void => {
    if (state !== "waiting") return;
    state = "open";
    clearTimeout(timer);
    onOpen();
  };
  const timer = setTimeout(open, maxMs);
  // setImmediate: the caller's continuation (its await of the answer) runs first.
  const afterAnswer = (): void => {
    if (state === "waiting") setImmediate(open);
  };
  return {
    unary: {
      unary(path, request, options) {
        const call = unary.unary(path, request, options);
        if (state === "waiting") call.then(afterAnswer, afterAnswer);
        return call;
      },
      ...(unary.stream ? { stream: unary.stream.bind(unary) } : {}),
      connect: () => unary.connect(),
      close: () => unary.close(),
    },
    open,
    cancel() {
      if (state !== "waiting") return;
      state = "cancelled";
      clearTimeout(timer);
    },
  };
}
