/** Environment variable that turns debug mode on: `POLYPLUG_DEBUG=1 node --inspect plugin.mjs`. */
export const DEBUG_ENV = "POLYPLUG_DEBUG";

/**
 * Whether the plugin was started by hand for debugging. It then serves without the gateway's
 * magic cookie and AutoMTLS, keeps stdout and Ctrl-C for the person debugging, does not exit
 * with its parent, and prints go-plugin's reattach configuration on stderr instead of the
 * handshake line; a gateway attaches with `polyplug serve --reattach ID=JSON`.
 */
export function debugEnabled(env: NodeJS.ProcessEnv): boolean {
  const value = env[DEBUG_ENV];
  return value !== undefined && value !== "" && value !== "0" && value !== "false";
}

/** go-plugin's ReattachConfig for this process (the shape of Terraform's TF_REATTACH_PROVIDERS values), as one JSON line. */
export function reattachJson(version: number, network: string, address: string): string {
  return JSON.stringify({
    Protocol: "grpc",
    ProtocolVersion: version,
    Pid: process.pid,
    Test: true,
    Addr: { Network: network, String: address },
  });
}

/** Tells the person debugging how to attach a gateway (stderr: stdout stays theirs). */
export function announceReattach(version: number, network: string, address: string): void {
  const config = reattachJson(version, network, address);
  process.stderr.write(
    `polyplug: debug mode, waiting for a gateway to attach:\n  polyplug serve --reattach <plugin-id>='${config}'\nPOLYPLUG_REATTACH=${config}\n`,
  );
}
