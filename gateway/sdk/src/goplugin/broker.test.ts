import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConnInfoSchema, type ConnInfo } from "../gen/plugin/grpc_broker_pb.js";
import { ErrorCode as ContractCode } from "../gen/polyplug/v1/common_pb.js";
import { ErrorCode, PolyplugError } from "../errors.js";
import { PluginError } from "../plugin-error.js";
import { createBrokerCore, type BrokerCore } from "./broker.js";
import { createBroker } from "./plugin-broker.js";

let dir: string;
const cleanups: Array<() => unknown> = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "pp-broker-"));
});
afterEach(async () => {
  vi.restoreAllMocks();
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** A core whose listeners are unix sockets in `dir` and whose sent ConnInfos are collected. */
function core(keepAnnouncements: boolean, warnings: string[] = []): { broker: BrokerCore; sent: ConnInfo[] } {
  const sent: ConnInfo[] = [];
  const broker = createBrokerCore({
    tls: undefined,
    peer: "plugin",
    keepAnnouncements,
    listen: (server, id, credentials) =>
      new Promise((resolve, reject) => {
        const address = join(dir, `b-${id}.sock`);
        server.bindAsync(`unix://${address}`, credentials, (error) =>
          error ? reject(error) : resolve({ network: "unix", address }),
        );
      }),
    send: (info) => sent.push(info),
    onWarning: (message) => warnings.push(message),
  });
  cleanups.push(() => broker.close());
  return { broker, sent };
}

/** A socket that accepts connections and closes them at once: no HTTP/2 peer ever answers. */
async function deadEnd(): Promise<string> {
  const address = join(dir, "dead-end.sock");
  const server = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(address, resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return address;
}

const announce = (serviceId: number, address: string, network = "unix") =>
  create(ConnInfoSchema, { serviceId, network, address });

describe("broker core", () => {
  it("closes the brokered client when the connection cannot be made, so nothing keeps reconnecting", async () => {
    const { broker } = core(false);
    broker.receive(announce(1, await deadEnd()));
    const closed = vi.spyOn(grpc.Client.prototype, "close");
    const failure = await broker.dial(1, 300).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PolyplugError);
    expect(failure).toMatchObject({
      code: ErrorCode.Unavailable,
      message: expect.stringMatching(/^broker id 1: could not connect to the plugin at unix:/),
    });
    expect(closed).toHaveBeenCalledTimes(1);
    const client = closed.mock.contexts[0] as grpc.Client;
    expect(client.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.SHUTDOWN);
  });

  it("the plugin side closes it too and reports UNAVAILABLE as a PluginError", async () => {
    const broker = createBroker({
      tls: undefined,
      listener: { network: "unix", socketDir: dir, socketGroup: undefined, minPort: 10000, maxPort: 25000 },
    });
    cleanups.push(() => broker.close());
    const address = await deadEnd();
    const abort = new AbortController();
    const requests = (async function* () {
      yield announce(7, address);
      await new Promise((resolve) => abort.signal.addEventListener("abort", resolve));
    })();
    const responses = broker
      .startStream(requests, { signal: abort.signal, metadata: new grpc.Metadata(), deadline: undefined, peer: "test" })
      [Symbol.asyncIterator]();
    void responses.next();
    cleanups.push(() => abort.abort());
    const closed = vi.spyOn(grpc.Client.prototype, "close");
    const failure = await broker.dial(7, 300).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(PluginError);
    expect(failure).toMatchObject({
      code: ContractCode.UNAVAILABLE,
      message: expect.stringMatching(/^broker id 7: could not connect to the host at unix:/),
    });
    expect(closed).toHaveBeenCalledTimes(1);
    expect((closed.mock.contexts[0] as grpc.Client).getChannel().getConnectivityState(false)).toBe(
      grpc.connectivityState.SHUTDOWN,
    );
  });

  it("serves what acceptAndServe registers and announces it; the other side dials it", async () => {
    const host = core(false);
    const id = host.broker.nextId();
    const address = await host.broker.acceptAndServe(id, () => undefined);
    expect(host.sent).toEqual([expect.objectContaining({ serviceId: 1, network: "unix", address })]);
    const plugin = core(true);
    for (const info of host.sent) plugin.broker.receive(info);
    const client = await plugin.broker.dial(id, 5000);
    expect(client.getChannel().getConnectivityState(false)).toBe(grpc.connectivityState.READY);
  });

  it("host rule (go-plugin's): one dial per announcement; kept rule (proto/README §5.4): redial", async () => {
    const server = new grpc.Server();
    const address = join(dir, "target.sock");
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${address}`, grpc.ServerCredentials.createInsecure(), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    cleanups.push(() => server.forceShutdown());
    const once = core(false);
    once.broker.receive(announce(3, address));
    await once.broker.dial(3, 2000);
    await expect(once.broker.dial(3, 100)).rejects.toMatchObject({
      code: ErrorCode.BrokerFailed,
      message: "no connection info for broker id 3: the plugin did not announce it within 100 ms",
    });
    const kept = core(true);
    kept.broker.receive(announce(3, address));
    await kept.broker.dial(3, 2000);
    await expect(kept.broker.dial(3, 2000)).resolves.toBeInstanceOf(grpc.Client);
  });

  it("a waiting dial gets the announcement when it arrives", async () => {
    const { broker } = core(false);
    const server = new grpc.Server();
    const address = join(dir, "late.sock");
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${address}`, grpc.ServerCredentials.createInsecure(), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    cleanups.push(() => server.forceShutdown());
    const dialing = broker.dial(5, 5000);
    broker.receive(announce(5, address));
    await expect(dialing).resolves.toBeInstanceOf(grpc.Client);
  });

  it("rejects unknown networks, ignores knocks with a warning, and fails everything once the stream is gone", async () => {
    const warnings: string[] = [];
    const { broker } = core(false, warnings);
    broker.receive(announce(1, "/x", "udp"));
    await expect(broker.dial(1, 100)).rejects.toMatchObject({
      code: ErrorCode.BrokerFailed,
      message: 'broker id 1 was announced with unknown network "udp"',
    });
    broker.receive(create(ConnInfoSchema, { serviceId: 2, knock: { knock: true } }));
    expect(warnings).toEqual([expect.stringContaining("multiplexing knock for id 2")]);
    const gone = new PolyplugError(ErrorCode.BrokerFailed, "the broker stream to the plugin has ended");
    broker.fail(gone);
    await expect(broker.dial(9, 100)).rejects.toBe(gone);
    await expect(broker.acceptAndServe(9, () => undefined)).rejects.toBe(gone);
  });
});
