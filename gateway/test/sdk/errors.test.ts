// Errors as data: handler failures, oversized and malformed answers come back as
// polyplug.v1.Error with gRPC OK, and the plugin keeps serving.
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PolyplugError } from "../../src/index.js";
import { createRpcClient, type PluginClient } from "../../src/entry/host.js";
import { Health, HealthCheckResponse_ServingStatus } from "@polyplug/sdk/internal/gen/grpc/health/v1/health_pb.js";
import { ErrorCode } from "@polyplug/sdk/internal/gen/polyplug/v1/common_pb.js";
import { Plugin } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { GRPCBroker } from "@polyplug/sdk/internal/gen/plugin/grpc_broker_pb.js";
import { eventually } from "../log-capture.js";
import { ensureSdkBuilt, sdkPaths, startNodePlugin, stopAll } from "./harness.js";

let plugin: PluginClient;
let rpc: ReturnType<typeof plugin.client<typeof Plugin>>;

beforeAll(async () => {
  ensureSdkBuilt();
  plugin = await startNodePlugin(sdkPaths.fixture("faulty-plugin.mjs"));
  rpc = plugin.client(Plugin);
});
afterAll(stopAll);

describe("handler failures are data", () => {
  it("a throwing handler answers PLUGIN_FAILED with its message, and the plugin keeps serving", async () => {
    const failed = await rpc.intercept({ topic: "test.throw", payload: {} });
    expect(failed.error).toMatchObject({ code: ErrorCode.PLUGIN_FAILED, message: "boom: handler exploded" });
    expect(failed.outcome.case).toBeUndefined();
    const again = await rpc.intercept({ topic: "test.echo", payload: { a: 1 } });
    expect(again.outcome).toMatchObject({ case: "modify", value: { payload: { a: 1 } } });
    expect(await plugin.health()).toBe("SERVING");
    const notify = await rpc.notify({ topic: "any.topic", payload: { fail: true } });
    expect(notify.error).toMatchObject({ code: ErrorCode.PLUGIN_FAILED, message: "notify failed on purpose" });
  });

  it("refuses an oversized modify payload with RESOURCE_EXHAUSTED naming the 8 MiB limit", async () => {
    const response = await rpc.intercept({ topic: "test.oversized", payload: {} });
    expect(response.error?.code).toBe(ErrorCode.RESOURCE_EXHAUSTED);
    expect(response.error?.message).toContain("over the limit of 8388608 bytes (8 MiB)");
    expect(response.error?.details).toEqual({ limit: "8388608 bytes" });
  });

  it("refuses a received payload over 8 MiB with RESOURCE_EXHAUSTED before the handler runs", async () => {
    const oversized = { data: "x".repeat(8 * 1024 * 1024) };
    const intercept = await rpc.intercept({ topic: "test.echo", payload: oversized }, { deadline: 20_000 });
    expect(intercept.outcome.case).toBeUndefined();
    expect(intercept.error).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED, details: { limit: "8388608 bytes" } });
    expect(intercept.error?.message).toContain("the Intercept payload for test.echo is");
    const notify = await rpc.notify({ topic: "any.topic", payload: oversized }, { deadline: 20_000 });
    expect(notify.error).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED, details: { limit: "8388608 bytes" } });
    expect((await rpc.intercept({ topic: "test.echo", payload: { small: true } })).outcome.case).toBe("modify");
  });

  it("refuses command text over 64 KiB", async () => {
    const response = await rpc.executeCommand({ command: "big-text", args: [], raw: "/big-text" });
    expect(response.error).toMatchObject({ code: ErrorCode.RESOURCE_EXHAUSTED, details: { limit: "65536 bytes" } });
  });

  it("names what is wrong in a malformed payload", async () => {
    const nan = await rpc.intercept({ topic: "test.malformed", payload: {} });
    expect(nan.error).toMatchObject({ code: ErrorCode.PLUGIN_FAILED, details: { field: "$.bad" } });
    expect(nan.error?.message).toContain("$.bad is NaN");
    const array = await rpc.intercept({ topic: "test.array", payload: {} });
    expect(array.error?.message).toContain("must be a JSON object, got an array");
  });

  it("answers unknown commands and topics with NOT_FOUND, undeclared hooks with UNIMPLEMENTED", async () => {
    expect((await rpc.executeCommand({ command: "nope", args: [], raw: "/nope" })).error?.code).toBe(
      ErrorCode.NOT_FOUND,
    );
    expect((await rpc.intercept({ topic: "other.topic", payload: {} })).error?.code).toBe(ErrorCode.NOT_FOUND);
    const unimplemented = await rpc.configurationChanged({ configuration: {} }).catch((error: unknown) => error);
    expect(unimplemented).toBeInstanceOf(PolyplugError);
    expect((unimplemented as PolyplugError).details.grpcStatus).toBe("UNIMPLEMENTED");
  });

  it("logs an unhandled promise rejection instead of exiting", async () => {
    expect((await rpc.executeCommand({ command: "reject", args: [], raw: "/reject" })).text).toBe("still here");
    await eventually(
      () =>
        plugin
          .stderrTail()
          .some((line) => line.includes("unhandled promise rejection") && line.includes("nobody awaits this")),
      5000,
      "the rejection log",
    );
    expect(await plugin.health()).toBe("SERVING");
  });

  it("uses of the GatewayAPI before Activate fail with FAILED_PRECONDITION", async () => {
    const response = await rpc.intercept({ topic: "test.api", payload: {} });
    expect(response.error).toMatchObject({ code: ErrorCode.FAILED_PRECONDITION });
    expect(response.error?.message).toContain("available from onActivate on");
  });
});

describe("broker", () => {
  it("offers a plugin-served service to the host by broker id", async () => {
    const offered = await rpc.executeCommand({ command: "offer", args: [], raw: "/offer" });
    const id = Number(offered.data?.broker_id);
    expect(id).toBeGreaterThan(0);
    const brokered = await plugin.broker.dial(id);
    expect((await createRpcClient(Health, brokered).check({ service: "" })).status).toBe(
      HealthCheckResponse_ServingStatus.SERVING,
    );
  });
});

describe("streaming handlers of addRpcService in a plugin process", () => {
  async function offered() {
    const offer = await rpc.executeCommand({ command: "offer-streams", args: [], raw: "/offer-streams" });
    return plugin.broker.dial(Number(offer.data?.broker_id));
  }
  async function exchange(serviceIds: number[]) {
    const stream = createRpcClient(GRPCBroker, await offered()).startStream({ deadline: 20_000 });
    for (const serviceId of serviceIds) stream.send({ serviceId, network: "unix", address: "" });
    stream.end();
    const answers: number[] = [];
    try {
      for await (const answer of stream.responses) answers.push(answer.serviceId);
      return { answers };
    } catch (error) {
      return { answers, error: error as PolyplugError };
    }
  }

  it("a bidi handler that reads every request with for await answers after the client half-closed", async () => {
    expect(await exchange([1, 2, 3])).toEqual({ answers: [10, 20, 30] });
  });

  it("a bidi handler that throws after reading every request ends the call with its status", async () => {
    const { answers, error } = await exchange([1, 0]);
    expect(answers).toEqual([]);
    expect(error?.details).toMatchObject({ grpcStatus: "FAILED_PRECONDITION" });
    expect(error?.message).toContain("refused after reading 2 requests");
  });

  it("a server-streaming handler that throws after a message ends the call with its status", async () => {
    const statuses: number[] = [];
    let failure: PolyplugError | undefined;
    try {
      for await (const answer of createRpcClient(Health, await offered()).watch({ service: "" }, { deadline: 20_000 }))
        statuses.push(answer.status);
    } catch (error) {
      failure = error as PolyplugError;
    }
    expect(statuses).toEqual([HealthCheckResponse_ServingStatus.SERVING]);
    expect(failure?.details).toMatchObject({ grpcStatus: "UNAVAILABLE" });
  });
});

describe("HookContext and cancellation", () => {
  it("passes the HookContext to handlers", async () => {
    const deadline = Date.now() + 60_000;
    const response = await rpc.intercept({
      context: { requestId: "req-7", pluginId: "test.faulty", deadline: timestampFromMs(deadline) },
      topic: "test.echo",
      payload: {},
    });
    expect(response.outcome).toMatchObject({
      case: "modify",
      value: { payload: { plugin_id: "test.faulty", request_id: "req-7", deadline: new Date(deadline).toISOString() } },
    });
  });

  it("aborts the handler's signal when the gRPC deadline passes", async () => {
    const failure = await rpc
      .intercept({ topic: "test.wait", payload: {} }, { deadline: 300 })
      .catch((error: unknown) => error);
    expect((failure as PolyplugError).details.grpcStatus).toBe("DEADLINE_EXCEEDED");
    await eventually(
      () => plugin.stderrTail().some((line) => line.includes("handler saw abort")),
      5000,
      "the handler to see the abort",
    );
    expect(await plugin.health()).toBe("SERVING");
  });
});
