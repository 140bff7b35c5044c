import type net from "node:net";

/** Why a connection was refused. */
export type ConnectionRefusal = "max_connections" | "max_per_address";

/** Counters of a ConnectionGate. */
export interface ConnectionGateStats {
  /** Connections open now. */
  readonly open: number;
  /** Most connections open at once since start. */
  readonly peakOpen: number;
  /** Connections accepted since start. */
  readonly accepted: number;
  /** Connections closed at once, by reason, since start. */
  readonly refused: Readonly<Record<ConnectionRefusal, number>>;
}

/** Caps open TCP connections, in total and per remote address. */
export interface ConnectionGate {
  /** Admits `socket` (and forgets it when it closes), or destroys it and returns false. */
  admit(socket: net.Socket): boolean;
  stats(): ConnectionGateStats;
}

/** Creates a ConnectionGate; `maxConnections` in total, `maxPerAddress` per remote address. */
export function createConnectionGate(maxConnections: number, maxPerAddress: number): ConnectionGate {
  let open = 0;
  let accepted = 0;
  let peakOpen = 0;
  const refused: Record<ConnectionRefusal, number> = { max_connections: 0, max_per_address: 0 };
  const perAddress = new Map<string, number>();
  return {
    admit(socket) {
      const address = socket.remoteAddress ?? "";
      const fromAddress = perAddress.get(address) ?? 0;
      const refusal: ConnectionRefusal | undefined =
        open >= maxConnections ? "max_connections" : fromAddress >= maxPerAddress ? "max_per_address" : undefined;
      if (refusal) {
        refused[refusal]++;
        // A reset (not a FIN) costs the server nothing more: no TIME_WAIT, no lingering writes.
        socket.resetAndDestroy();
        return false;
      }
      open++;
      accepted++;
      peakOpen = Math.max(peakOpen, open);
      perAddress.set(address, fromAddress + 1);
      socket.once("close", () => {
        open--;
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left > 0) perAddress.set(address, left);
        else perAddress.delete(address);
      });
      return true;
    },
    stats: () => ({ open, peakOpen, accepted, refused: { ...refused } }),
  };
}
