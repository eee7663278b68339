/**
 * Collects what would crash (or quietly corrupt) a production process: unhandled promise rejections and
 * uncaught exceptions. Reliability tests install it for the whole file and assert it stays empty, so a
 * fault that only shows up as a stray rejection fails the test that caused it.
 */

/** One event the process would not have survived cleanly. */
export interface ProcessFault {
  kind: 'unhandledRejection' | 'uncaughtException';
  error: unknown;
}

/** The collector: what it saw, and how to remove its listeners. */
export interface ProcessFaultCollector {
  readonly faults: ProcessFault[];
  /** A one-line description per fault, for an assertion message that says what went wrong. */
  describe(): string[];
  stop(): void;
}

/** Starts listening on `process`; call `stop()` in `afterAll`. */
export function collectProcessFaults(): ProcessFaultCollector {
  const faults: ProcessFault[] = [];
  const onRejection = (error: unknown) => faults.push({ kind: 'unhandledRejection', error });
  const onException = (error: unknown) => faults.push({ kind: 'uncaughtException', error });
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    faults,
    describe: () =>
      faults.map(({ kind, error }) => `${kind}: ${error instanceof Error ? error.stack : String(error)}`),
    stop() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
