import { randomBytes, timingSafeEqual } from "node:crypto";

/** How long a console session lasts after sign-in: 8 hours. */
export const CONSOLE_SESSION_TTL_MS = 8 * 60 * 60 * 1000;
/** Most console sessions at once; signing in past it ends the oldest. */
export const MAX_CONSOLE_SESSIONS = 64;

/** A signed-in console: the cookie's id and the CSRF key the page sends as a header. */
export interface ConsoleSession {
  readonly id: string;
  readonly csrf: string;
  /** Epoch ms. */
  readonly expiresAt: number;
}

/** The console's sessions, in memory (a gateway restart signs every console out). */
export interface ConsoleSessions {
  create(): ConsoleSession;
  /** The live session with this id, or undefined (unknown or expired). */
  get(id: string): ConsoleSession | undefined;
  revoke(id: string): void;
}

/** True when both strings are equal, compared in constant time. */
export function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Console sessions expiring after `ttlMs`, at most MAX_CONSOLE_SESSIONS (the oldest goes first). */
export function createConsoleSessions(options: { ttlMs?: number; now?: () => number } = {}): ConsoleSessions {
  const ttlMs = options.ttlMs ?? CONSOLE_SESSION_TTL_MS;
  const now = options.now ?? Date.now;
  const sessions = new Map<string, ConsoleSession>();
  return {
    create() {
      for (const [id, session] of sessions) if (session.expiresAt <= now()) sessions.delete(id);
      while (sessions.size >= MAX_CONSOLE_SESSIONS) sessions.delete(sessions.keys().next().value as string);
      const session = {
        id: randomBytes(32).toString("hex"),
        csrf: randomBytes(32).toString("hex"),
        expiresAt: now() + ttlMs,
      };
      sessions.set(session.id, session);
      return session;
    },
    get(id) {
      const session = sessions.get(id);
      if (!session) return undefined;
      if (session.expiresAt <= now()) {
        sessions.delete(id);
        return undefined;
      }
      return session;
    },
    revoke(id) {
      sessions.delete(id);
    },
  };
}
