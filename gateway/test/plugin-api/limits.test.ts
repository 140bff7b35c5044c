import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import type { PolyplugError } from "../../src/errors.js";
import type { GatewayAPI, LogLevel } from "@polyplug/sdk/internal/gen/polyplug/v1/gateway_api_pb.js";
import type { RpcClient } from "@polyplug/sdk/internal/rpc/client.js";
import { servePlugin, storeWithClock } from "./harness.js";

type Client = RpcClient<typeof GatewayAPI>;
const MiB = 1024 * 1024;
const longString = (bytes: number) => "x".repeat(bytes);

/** Each request that breaks a limit, the gRPC status it must get and what the message must say. */
const violations: ReadonlyArray<
  readonly [name: string, call: (client: Client) => Promise<unknown>, status: string, message: RegExp]
> = [
  [
    "kv key empty",
    (c) => c.kvSet({ key: "", value: new Uint8Array() }),
    "INVALID_ARGUMENT",
    /key: must be 1\.\.512 bytes of UTF-8, got 0 bytes/,
  ],
  [
    "kv key 513 bytes",
    (c) => c.kvSet({ key: longString(513), value: new Uint8Array() }),
    "INVALID_ARGUMENT",
    /key: must be 1\.\.512 bytes of UTF-8, got 513 bytes/,
  ],
  ["kv key 257 two-byte chars", (c) => c.kvGet({ key: "é".repeat(257) }), "INVALID_ARGUMENT", /key: .* got 514 bytes/],
  [
    "kv key with NUL",
    (c) => c.kvSet({ key: "a\u0000b", value: new Uint8Array() }),
    "INVALID_ARGUMENT",
    /key: must not contain NUL/,
  ],
  ["kv delete key empty", (c) => c.kvDelete({ key: "" }), "INVALID_ARGUMENT", /key: must be 1\.\.512 bytes/],
  [
    "kv value over 1 MiB",
    (c) => c.kvSet({ key: "k", value: new Uint8Array(MiB + 1) }),
    "RESOURCE_EXHAUSTED",
    /value: 1048577 bytes exceeds the KV value limit of 1048576 bytes/,
  ],
  [
    "kv ttl negative",
    (c) => c.kvSet({ key: "k", value: new Uint8Array(), ttl: create(DurationSchema, { seconds: -1n }) }),
    "INVALID_ARGUMENT",
    /ttl: must not be negative/,
  ],
  [
    "kv ttl negative nanos",
    (c) => c.kvSet({ key: "k", value: new Uint8Array(), ttl: create(DurationSchema, { nanos: -5 }) }),
    "INVALID_ARGUMENT",
    /ttl: must not be negative/,
  ],
  [
    "kv page_size over 1000",
    (c) => c.kvList({ pageSize: 1001 }),
    "INVALID_ARGUMENT",
    /page_size: must be 1\.\.1000 \(0 means 100\), got 1001/,
  ],
  [
    "kv prefix over 512 bytes",
    (c) => c.kvList({ prefix: longString(513) }),
    "INVALID_ARGUMENT",
    /prefix: must be at most 512 bytes/,
  ],
  [
    "kv page_token forged",
    (c) => c.kvList({ pageToken: "garbage" }),
    "INVALID_ARGUMENT",
    /page_token: not a token produced by KvList/,
  ],
  [
    "log message over 64 KiB",
    (c) => c.log({ message: longString(65_537) }),
    "RESOURCE_EXHAUSTED",
    /message: 65537 bytes exceeds the log message limit of 65536 bytes/,
  ],
  [
    "log fields over 64 KiB",
    (c) => c.log({ message: "m", fields: { big: longString(65_536) } }),
    "RESOURCE_EXHAUSTED",
    /fields: \d+ bytes exceeds the log fields limit of 65536 bytes/,
  ],
  [
    "log level unknown",
    (c) => c.log({ level: 9 as LogLevel, message: "m" }),
    "INVALID_ARGUMENT",
    /level: unknown LogLevel 9/,
  ],
  [
    "event name upper case",
    (c) => c.publishEvent({ event: "Score" }),
    "INVALID_ARGUMENT",
    /event: must match \[a-z0-9_.-\]\{1,128\}/,
  ],
  ["event name empty", (c) => c.publishEvent({ event: "" }), "INVALID_ARGUMENT", /event: must match/],
  ["event name 129 chars", (c) => c.publishEvent({ event: longString(129) }), "INVALID_ARGUMENT", /event: must match/],
  [
    "event payload over 8 MiB",
    (c) => c.publishEvent({ event: "e", payload: { big: longString(8 * MiB) } }),
    "RESOURCE_EXHAUSTED",
    /payload: \d+ bytes exceeds the event payload limit of 8388608 bytes/,
  ],
  [
    "audience client_ids over 1000",
    (c) => c.publishEvent({ event: "e", audience: { clientIds: Array.from({ length: 1001 }, String) } }),
    "INVALID_ARGUMENT",
    /audience\.client_ids: at most 1000 ids, got 1001/,
  ],
  [
    "audience omit_client_ids over 1000",
    (c) => c.publishEvent({ event: "e", audience: { omitClientIds: Array.from({ length: 1001 }, String) } }),
    "INVALID_ARGUMENT",
    /audience\.omit_client_ids: at most 1000/,
  ],
  [
    "audience match_labels over 32",
    (c) =>
      c.publishEvent({
        event: "e",
        audience: { matchLabels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`l${i}`, "v"])) },
      }),
    "INVALID_ARGUMENT",
    /audience\.match_labels: at most 32 pairs, got 33/,
  ],
  [
    "configuration over 8 MiB",
    (c) => c.saveConfig({ configuration: { big: longString(8 * MiB) } }),
    "RESOURCE_EXHAUSTED",
    /configuration: \d+ bytes exceeds the configuration limit of 8388608 bytes/,
  ],
];

describe("GatewayAPI limits", () => {
  it.each(violations)("%s → %s", async (_name, call, status, message) => {
    const { store } = storeWithClock();
    const plugin = await servePlugin("alpha", store);
    const error = (await call(plugin.client).then(
      () => expect.fail("the call succeeded"),
      (reason: unknown) => reason,
    )) as PolyplugError;
    expect(error.details).toMatchObject({ grpcStatus: status });
    expect(error.message).toMatch(message);
    // Nothing happened.
    expect((await store.kvList("alpha", "", 1000, "")).keys).toEqual([]);
    expect(plugin.events).toEqual([]);
    expect(plugin.logs).toEqual([]);
    expect(plugin.savedConfigs).toEqual([]);
  });

  it.each([
    ["a 512-byte key", (c: Client) => c.kvSet({ key: longString(512), value: new Uint8Array() })],
    ["a 1 MiB value", (c: Client) => c.kvSet({ key: "k", value: new Uint8Array(MiB) })],
    ["page_size 1000", (c: Client) => c.kvList({ pageSize: 1000 })],
    ["a 64 KiB log message", (c: Client) => c.log({ message: longString(65_536) })],
    ["a 128-character event name", (c: Client) => c.publishEvent({ event: `${"a".repeat(125)}.-_` })],
  ])("accepts %s (the limit itself)", async (_name, call) => {
    const { store } = storeWithClock();
    const plugin = await servePlugin("alpha", store);
    await expect(call(plugin.client)).resolves.toBeDefined();
  });
});
