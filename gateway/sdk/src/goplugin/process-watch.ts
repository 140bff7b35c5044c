/** How often the parent pid is checked (the protocol requires at most 2 s). */
export const PARENT_POLL_MS = 1000;

/**
 * Ignores SIGINT (a terminal's Ctrl-C reaches the whole process group; the host stops its
 * plugins itself) and calls `onOrphaned` when the process is re-parented because the host
 * died. Timers are unref'd: they never keep the process alive on their own.
 */
export function watchProcess(options: {
  /** The parent pid recorded at start (default: now); record it before the handshake, or a host dying right after it goes unnoticed. */
  parent?: number;
  onSigint: (count: number) => void;
  onOrphaned: (formerParent: number) => void;
}): () => void {
  let interrupts = 0;
  const onSigint = () => options.onSigint(++interrupts);
  process.on("SIGINT", onSigint);
  const parent = options.parent ?? process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) options.onOrphaned(parent);
  }, PARENT_POLL_MS);
  timer.unref();
  return () => {
    clearInterval(timer);
    process.off("SIGINT", onSigint);
  };
}
