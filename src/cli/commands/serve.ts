import { type Command, Option } from 'commander'
import type { CommandContext } from '../context.js'
import { numberOption, portOption } from '../options.js'
import { printable } from '../printable.js'
import type { ChainIndex } from '../../ledger/chain-index.js'

/** `grid-did serve`: the universal resolver endpoint on this home, until interrupted. */
export function registerServeCommand(program: Command, { io, globals, openHome }: CommandContext): void {
  program
    .command('serve')
    .description('run the universal resolver endpoint on this home')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port', '8080')
    .option('--sync-interval <ms>', "how often a chain ledger's index follows the chain", '1000')
    .option('--no-checkpoints', "re-verify every DID's whole log on a cold resolve instead of starting from the resolver's checkpoints")
    .addOption(
      new Option('--log-format <format>', 'logs on standard error: one line of text, or JSON lines')
        .choices(['pretty', 'json'])
        .default('pretty'),
    )
    .option('--no-metrics', 'no Prometheus /metrics route')
    .action(
      async (o: {
        host: string
        port: string
        syncInterval: string
        checkpoints: boolean
        logFormat: 'pretty' | 'json'
        metrics: boolean
      }) => {
        const { createHandler, createLogger, serve } = await import('../../server/node.js')
        const port = portOption(o.port)
        const interval = numberOption(o.syncInterval, '--sync-interval', { min: 10, integer: true })
        const logger = createLogger({
          format: o.logFormat,
          write: (l) => io.stderr(o.logFormat === 'json' ? l : `${printable(l.slice(0, -1))}\n`),
        })
        let syncErrors = 0
        // Set once the home is open: every network it serves follows the one chain whose sync failed.
        let networks: readonly string[] = []
        const home = await openHome({
          create: false,
          checkpoints: o.checkpoints,
          onSyncError: (err) => {
            syncErrors++
            const code = (err as { code?: unknown } | null)?.code
            logger.warn(
              {
                networks,
                err: err instanceof Error ? err.message : String(err),
                ...(typeof code === 'string' ? { code } : {}),
                retryInMs: interval,
              },
              'sync failed',
            )
          },
        })
        networks = home.resolver.networks
        if ('start' in home.ledger && typeof home.ledger.start === 'function') (home.ledger as { start(ms: number): void }).start(interval)
        const chain = 'chain' in home.ledger ? (home.ledger as ChainIndex).chain : undefined
        // Every network of the home is served from its one ledger: the same index status for each.
        const index = chain
          ? async () => {
              const indexedHeight = (await home.ledger.head()).height
              const finalizedHeight = await chain.head().then(
                (h) => h.finalizedHeight,
                () => undefined,
              )
              const lagBlocks = finalizedHeight === undefined ? undefined : Math.max(0, finalizedHeight - indexedHeight)
              return home.resolver.networks.map((network) => ({ network, indexedHeight, finalizedHeight, lagBlocks, syncErrors }))
            }
          : undefined
        const running = await serve(createHandler({ resolver: home.resolver }), {
          host: o.host,
          port,
          log: logger,
          metrics: o.metrics && (index ? { index } : true),
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
      },
    )
}
