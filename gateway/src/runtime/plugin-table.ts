import { ErrorCode, PolyplugError } from "../errors.js";
import type { ActivePlugin, ActivePlugins, ChainMember } from "../dispatch/active-plugins.js";
import type { PluginFolder } from "../registry/plugins-dir.js";
import type { Supervisor } from "../supervision/supervisor.js";

/** A supervised plugin and the folder it runs from. */
export interface PluginEntry {
  readonly supervisor: Supervisor;
  readonly folder: PluginFolder;
}

/**
 * The ActivePlugin of each supervisor's current session and manifest: every chain step asks
 * for it, and building it (an object, two closures) per step was ~430 bytes of garbage per
 * step, a share of the gateway's GC at c=64 (issue 17, chains). A new session (restart) or
 * manifest (upgrade) gets a new one.
 */
const activeBySupervisor = new WeakMap<Supervisor, ActivePlugin>();
/** Each supervisor's ChainMember, likewise: built per plugin per Intercept call before (~220 bytes each). */
const memberBySupervisor = new WeakMap<Supervisor, ChainMember>();

/** The gateway's plugins by id; what dispatch sees as the active ones. */
export class PluginTable implements ActivePlugins {
  private readonly entries = new Map<string, PluginEntry>();

  private static toActive(supervisor: Supervisor): ActivePlugin | undefined {
    const session = supervisor.session;
    if (!session) {
      activeBySupervisor.delete(supervisor); // a session that ended is not kept alive here
      return undefined;
    }
    const cached = activeBySupervisor.get(supervisor);
    if (cached !== undefined && cached.session === session && cached.manifest === supervisor.manifest) return cached;
    const active: ActivePlugin = {
      pluginId: supervisor.pluginId,
      manifest: supervisor.manifest,
      session,
      reportHookTimeout: (hook) => supervisor.reportHookTimeout(hook),
      reportHookSuccess: () => supervisor.reportHookSuccess(),
    };
    activeBySupervisor.set(supervisor, active);
    return active;
  }

  /** Plugins the operator wants running (started and not disabled), in any state. */
  members(): ChainMember[] {
    const members: ChainMember[] = [];
    for (const { supervisor } of this.entries.values()) {
      if (supervisor.wanted) members.push(PluginTable.toMember(supervisor));
      else activeBySupervisor.delete(supervisor); // a stopped plugin's last session is not kept alive here
    }
    return members;
  }

  /** The supervisor's ChainMember, the same object while its manifest and Describe answer are (every Intercept asks; see activeBySupervisor). */
  private static toMember(supervisor: Supervisor): ChainMember {
    const cached = memberBySupervisor.get(supervisor);
    if (
      cached !== undefined &&
      cached.manifest === supervisor.manifest &&
      cached.description === supervisor.lastDescription
    )
      return cached;
    const member: ChainMember = {
      pluginId: supervisor.pluginId,
      manifest: supervisor.manifest,
      description: supervisor.lastDescription,
      active: () => PluginTable.toActive(supervisor),
      state: () => supervisor.state,
    };
    memberBySupervisor.set(supervisor, member);
    return member;
  }

  list(): ActivePlugin[] {
    return this.all()
      .map(({ supervisor }) => PluginTable.toActive(supervisor))
      .filter((p): p is ActivePlugin => p !== undefined);
  }

  get(pluginId: string): ActivePlugin | undefined {
    const entry = this.entries.get(pluginId);
    return entry ? PluginTable.toActive(entry.supervisor) : undefined;
  }

  all(): PluginEntry[] {
    return [...this.entries.values()];
  }

  has(pluginId: string): boolean {
    return this.entries.has(pluginId);
  }

  /** The entry for `pluginId`; not_found otherwise. */
  entry(pluginId: string): PluginEntry {
    const entry = this.entries.get(pluginId);
    if (!entry) throw new PolyplugError(ErrorCode.NotFound, `no plugin with id ${JSON.stringify(pluginId)}`);
    return entry;
  }

  set(entry: PluginEntry): void {
    this.entries.set(entry.supervisor.pluginId, entry);
  }

  delete(pluginId: string): void {
    this.entries.delete(pluginId);
  }
}
