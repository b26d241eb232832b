import type { Command } from 'commander'
import type { CommandContext } from '../context.js'
import { numberOption, portOption } from '../options.js'
import { printable } from '../printable.js'

/** `grid-did serve`: the universal resolver endpoint on this home, until interrupted. */
export function registerServeCommand(program: Command, { io, globals, openHome }: CommandContext): void {
  program
    .command('serve')
    .description('run the universal resolver endpoint on this home')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port', '8080')
    .option('--sync-interval <ms>', "how often a chain ledger's index follows the chain", '1000')
    .option('--no-checkpoints', "re-verify every DID's whole log on a cold resolve instead of starting from the resolver's checkpoints")
    .action(async (o: { host: string; port: string; syncInterval: string; checkpoints: boolean }) => {
      const { createHandler, serve } = await import('../../server/node.js')
      const port = portOption(o.port)
      const interval = numberOption(o.syncInterval, '--sync-interval', { min: 10, integer: true })
      const home = await openHome({
        create: false,
        checkpoints: o.checkpoints,
        onSyncError: (err) => io.stderr(`sync failed: ${printable(err instanceof Error ? err.message : String(err))}\n`),
      })
      if ('start' in home.ledger && typeof home.ledger.start === 'function') (home.ledger as { start(ms: number): void }).start(interval)
      const running = await serve(createHandler({ resolver: home.resolver }), {
        host: o.host,
        port,
        log: (l) => io.stderr(`${printable(l)}\n`),
      })
      io.stdout(globals().json ? `${JSON.stringify({ url: running.url })}\n` : `listening on ${running.url}\n`)
      await new Promise<void>((resolve) => {
        const stop = () =>
          void running
            .close()
            .then(() => home.close())
            .then(resolve)
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
}
