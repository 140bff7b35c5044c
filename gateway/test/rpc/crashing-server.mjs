// A grpc-js server in its own process whose only method kills the process mid-call:
// `node crashing-server.mjs <unix socket path>`; prints "ready" once it listens.
import * as grpc from "@grpc/grpc-js";

const identity = (bytes) => bytes;
const server = new grpc.Server();
server.addService(
  {
    crash: {
      path: "/test.Crash/Crash",
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  },
  { crash: () => setTimeout(() => process.exit(3), 50) },
);
server.bindAsync(`unix://${process.argv[2]}`, grpc.ServerCredentials.createInsecure(), (error) => {
  if (error) throw error;
  process.stdout.write("ready\n");
});
