import type { Logger } from 'pino';

/** Calls `stop` once on SIGINT or SIGTERM, then exits 0 (1 if stopping failed). For the hub and store-node CLIs. */
export function stopOnSignals(stop: () => Promise<void>, log: Logger): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/**
 * The last line of defence for the hub and store-node processes, installed once at start-up by each CLI. No input may
 * reach it (every request and socket path turns bad input into a 4xx): a hit here is a bug in our code. An unhandled
 * rejection is logged (structured, with the error) and the process goes on; an uncaught exception leaves the process
 * in an unknown state, so it is logged and the process exits with code 70 (EX_SOFTWARE) for its supervisor to restart.
 */
export function exitOnFatalErrors(log: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  process.on('unhandledRejection', (reason: unknown) => {
    log.error({ err: reason }, 'unhandled promise rejection (a bug: every failure should be caught where it happens)');
  });
  process.on('uncaughtException', (err: Error, origin: string) => {
    log.fatal({ err, origin }, 'uncaught exception; exiting for the supervisor to restart this process');
    log.flush?.();
    exit(70);
  });
}
