import { pino, type Logger } from "pino";

let silent: Logger | undefined;

/** A silent logger, for callers that pass none: one shared instance (creating a pino logger costs about a millisecond per start). */
export function silentLogger(): Logger {
  silent ??= pino({ level: "silent" });
  return silent;
}
