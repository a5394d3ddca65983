/** The signals that stop a server process (or the whole cluster) cleanly: supervisors, terminals, `kill`. */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;
