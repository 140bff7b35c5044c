import { ErrorCode, PolyplugError } from "../errors.js";

/** Splits `host:port`, checking the port; errors name `flag`. */
export function parseListen(listen: string, flag = "--listen"): { host: string; port: number } {
  const match = /^([^:\s]*):(\d{1,5})$/.exec(listen);
  const port = Number(match?.[2]);
  if (!match || port > 65535)
    throw new PolyplugError(ErrorCode.InvalidArgument, `${flag} must be host:port, got ${JSON.stringify(listen)}`);
  return { host: match[1] || "127.0.0.1", port };
}
