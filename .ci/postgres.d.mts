/** A running throwaway PostgreSQL cluster (see postgres.mjs). */
export interface ThrowawayPostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust auth, loopback only). */
  readonly url: string;
  readonly socketDir: string;
  readonly port: number;
  readonly dir: string;
  /** Shuts the server down and deletes its folder. */
  stop(): Promise<void>;
}
export function findPostgresBin(): string | undefined;
export function postgresUnavailableReason(): string | undefined;
export function startThrowawayPostgres(options?: {
  readonly fsync?: boolean;
  readonly maxConnections?: number;
}): Promise<ThrowawayPostgres>;
