/**
 * Waits for SIGINT or SIGTERM, then runs `closers` one after the other (a server before the ledger
 * it reads), and resolves: how the long-running commands (`serve`, `attest serve`, `chain`) stop.
 */
export function untilSignal(...closers: readonly (() => Promise<unknown>)[]): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = () => {
      void closers.reduce<Promise<unknown>>((done, close) => done.then(close), Promise.resolve()).then(() => resolve())
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  })
}
