import { setMaxListeners } from "node:events";
import type { Socket } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { hasLiveAbortListeners } from "../rpc/abort-listeners.js";
import type { AnyRequest, AnyResponse } from "./http-routes.js";

const CLIENT_GONE = "the client closed the request";

/** The cancellation signal of one Intercept call on the JSON fast path. */
export interface CallSignal {
  /** Aborted when the client goes away before the answer, the call's Connect timeout passes, or the server shuts down. */
  readonly signal: AbortSignal;
  /** The call is answered: it is never aborted from now on. Call once. */
  answered(): void;
}

/** Hands out CallSignals; see createCallSignals. */
export interface CallSignals {
  open(req: AnyRequest, res: AnyResponse, timeoutMs: number | undefined): CallSignal;
}

/** The controller an HTTP/1.1 connection's calls share, and how many of them are unanswered. */
interface Shared {
  controller: AbortController;
  calls: number;
}

/**
 * Cancellation for the fast path's Intercept calls, aborted with connect-node's reasons
 * (CANCELED when the client goes away, DEADLINE_EXCEEDED at the Connect timeout, the
 * shutdown's reason at shutdown), never once a call is answered.
 *
 * On Node 20 a new AbortController's signal, with the listener each plugin call adds to it,
 * costs several µs per call — one of the larger items of the public path's fixed cost. The
 * calls of one HTTP/1.1 connection without a Connect timeout (the common case) therefore
 * share one controller: it is aborted only when the connection closes while one of its
 * calls is unanswered — exactly when each of those calls would have been aborted — and is
 * replaced when a listener outlives its call, so no call ever sees another's listeners (a
 * call-scoped listener tracking no call, rpc/abort-listeners.ts, is not a left-over: the
 * plugin transport's watcher stays on the signal between calls).
 * HTTP/2 streams and calls with a timeout get a controller of their own.
 */
export function createCallSignals(shutdown: AbortSignal): CallSignals {
  // Unanswered controllers, aborted at shutdown.
  const inFlight = new Set<AbortController>();
  const connections = new WeakMap<Socket, Shared>();
  shutdown.addEventListener(
    "abort",
    () => {
      for (const controller of inFlight) controller.abort(shutdown.reason);
    },
    { once: true },
  );

  const freshController = (): AbortController => {
    const controller = new AbortController();
    if (shutdown.aborted) controller.abort(shutdown.reason);
    return controller;
  };

  function ownSignal(req: AnyRequest, res: AnyResponse, timeoutMs: number | undefined): CallSignal {
    const controller = freshController();
    inFlight.add(controller);
    let done = false;
    let timer: NodeJS.Timeout | undefined;
    // As connect-node: an HTTP/2 stream's request closes when the stream does; an
    // HTTP/1.1 request closes once its body is read, so the response is watched there.
    ("stream" in req ? req : res).once("close", () => {
      if (!done) controller.abort(new ConnectError(CLIENT_GONE, Code.Canceled));
    });
    if (timeoutMs !== undefined) {
      const expire = () => controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      if (timeoutMs <= 0) expire();
      else timer = setTimeout(expire, timeoutMs);
    }
    return {
      signal: controller.signal,
      answered() {
        done = true;
        if (timer !== undefined) clearTimeout(timer);
        inFlight.delete(controller);
      },
    };
  }

  const sharedController = (): AbortController => {
    const controller = freshController();
    // Pipelined calls share it too: their listeners are not a leak.
    setMaxListeners(0, controller.signal);
    return controller;
  };

  function sharedSignal(socket: Socket): CallSignal {
    let shared = connections.get(socket);
    if (shared === undefined) {
      const entry: Shared = { controller: sharedController(), calls: 0 };
      shared = entry;
      connections.set(socket, entry);
      socket.once("close", () => {
        if (entry.calls > 0) entry.controller.abort(new ConnectError(CLIENT_GONE, Code.Canceled));
      });
    } else if (shared.calls === 0 && (shared.controller.signal.aborted || shutdown.aborted)) {
      // Aborted at shutdown, or kept idle through it: a call after shutdown starts aborted.
      shared.controller = sharedController();
    }
    const entry = shared;
    const controller = entry.controller;
    if (entry.calls++ === 0) inFlight.add(controller);
    let done = false;
    return {
      signal: controller.signal,
      answered() {
        if (done) return;
        done = true;
        if (--entry.calls > 0) return;
        inFlight.delete(controller);
        // A listener its call left behind must not see the next call's abort. The plugin
        // transport's per-signal watcher (rpc/h2) stays, but with no call in flight it is idle.
        if (hasLiveAbortListeners(controller.signal)) entry.controller = sharedController();
      },
    };
  }

  return {
    open(req, res, timeoutMs) {
      // A socket already gone would never emit "close" again: that call is watched on its own.
      if (timeoutMs !== undefined || "stream" in req || req.socket.destroyed) return ownSignal(req, res, timeoutMs);
      return sharedSignal(req.socket);
    },
  };
}
