import { ErrorCode, PolyplugError } from "../errors.js";
import { permissionsSchema, type Permissions, type ResourceLimits } from "./manifest.js";

/**
 * What every plugin gets without anyone approving anything: the manifest defaults (api: log,
 * config; network none; no extra paths; the gateway's resource limits). A first install with
 * no approval is approved this far.
 */
export const DEFAULT_GRANT: Permissions = permissionsSchema.parse({});

const LIMIT_WORDS: Readonly<Record<keyof ResourceLimits, (value: number) => string>> = {
  memoryMiB: (value) => `memory ${value} MiB`,
  cpuPercent: (value) => `CPU ${value}% of one core`,
  processes: (value) => `${value} processes`,
  openFiles: (value) => `${value} open files`,
};

/** The permissions as lines for the operator, e.g. `GatewayAPI: log, config, kv`. */
export function describePermissions(permissions: Permissions): string[] {
  const limits = (Object.keys(LIMIT_WORDS) as (keyof ResourceLimits)[])
    .filter((key) => permissions.limits[key] !== undefined)
    .map((key) => LIMIT_WORDS[key](permissions.limits[key] ?? 0));
  return [
    `GatewayAPI: ${permissions.api.length > 0 ? permissions.api.join(", ") : "none"}`,
    `network: ${permissions.network === "host" ? "host (the machine's network)" : "none"}`,
    `read-only paths: ${permissions.readPaths.length > 0 ? permissions.readPaths.join(", ") : "none"}`,
    `resource limits: ${limits.length > 0 ? limits.join(", ") : "the gateway's defaults"}`,
  ];
}

/**
 * What `asked` wants beyond `approved`, in words (empty: nothing). A resource limit asked for
 * is beyond an approval that names no limit or a lower one (absent = the gateway's default).
 */
export function permissionsBeyond(asked: Permissions, approved: Permissions): string[] {
  const beyond: string[] = [];
  for (const capability of asked.api) if (!approved.api.includes(capability)) beyond.push(`GatewayAPI "${capability}"`);
  if (asked.network === "host" && approved.network !== "host") beyond.push("network host");
  for (const readPath of asked.readPaths)
    if (!approved.readPaths.includes(readPath)) beyond.push(`read-only path ${readPath}`);
  for (const key of Object.keys(LIMIT_WORDS) as (keyof ResourceLimits)[]) {
    const wanted = asked.limits[key];
    const allowed = approved.limits[key];
    if (wanted !== undefined && (allowed === undefined || wanted > allowed)) beyond.push(LIMIT_WORDS[key](wanted));
  }
  return beyond;
}

/**
 * Throws `permission_denied` when the plugin `pluginId` asks for more than `approved`; the
 * message lists what was not approved and how to approve it.
 */
export function checkApproved(pluginId: string, asked: Permissions, approved: Permissions, approvedBy: string): void {
  const beyond = permissionsBeyond(asked, approved);
  if (beyond.length === 0) return;
  throw new PolyplugError(
    ErrorCode.PermissionDenied,
    `plugin ${pluginId} asks for permissions that were not approved (${approvedBy}): ${beyond.join(", ")}; review them and install again approving them (polyplug plugin install shows them and asks, or pass --approve)`,
    { details: { notApproved: beyond.join(", ") } },
  );
}
