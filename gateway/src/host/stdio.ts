import type * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import { PolyplugError } from "../errors.js";
import { GRPCStdio, StdioData_Channel } from "@polyplug/sdk/internal/gen/plugin/grpc_stdio_pb.js";
import { createRpcClient } from "@polyplug/sdk/internal/rpc/client.js";
import { createLineSplitter } from "./line-splitter.js";
import type { PluginLogSink } from "./plugin-log.js";

const quietEnds = new Set(["UNIMPLEMENTED", "UNAVAILABLE", "CANCELLED"]);

/**
 * Opens `plugin.GRPCStdio/StreamStdio` once and drains it into the log sink, line by
 * line per channel. Plugins that do not serve it, and the stream ending with the plugin,
 * are normal. Returns a function that stops reading.
 */
export function consumeStdio(client: grpc.Client, sink: PluginLogSink, logger: Logger): () => void {
  const controller = new AbortController();
  const stdout = createLineSplitter((line, partial) => sink.line("grpc-stdout", line, partial));
  const stderr = createLineSplitter((line, partial) => sink.line("grpc-stderr", line, partial));
  void (async () => {
    try {
      for await (const chunk of createRpcClient(GRPCStdio, client).streamStdio({}, { signal: controller.signal })) {
        if (chunk.channel === StdioData_Channel.STDOUT) stdout.push(chunk.data);
        else if (chunk.channel === StdioData_Channel.STDERR) stderr.push(chunk.data);
        else logger.warn({ channel: chunk.channel }, "plugin sent stdio data on an unknown channel; dropped");
      }
    } catch (reason) {
      const status = reason instanceof PolyplugError ? String(reason.details.grpcStatus ?? "") : "";
      if (!quietEnds.has(status)) logger.debug({ err: reason }, "plugin stdio stream ended with an error");
    } finally {
      stdout.end();
      stderr.end();
    }
  })();
  return () => controller.abort();
}
