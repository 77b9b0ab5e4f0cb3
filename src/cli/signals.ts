/** SIGINT/SIGTERM: stop gracefully once; a second signal exits at once. */
export function onShutdownSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`tickgate: ${signal} again, exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`tickgate: ${signal}, stopping (flushing sinks)...\n`);
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        process.stderr.write(`tickgate: stop failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
