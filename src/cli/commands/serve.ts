import type { Command } from 'commander'
import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { messageOf } from '../../lib/message.js'
import type { SyncStatus } from '../../ledger/chain-index.js'
import type { CommandContext } from '../context.js'
import { HomeNotFoundError } from '../errors.js'
import { readConfig, Home } from '../home.js'
import { collect } from '../options.js'
import { printable } from '../printable.js'
import { serveConfig, type ServeFlags } from '../serve-config.js'
import { untilSignal } from '../until-signal.js'

/**
 * `grid-did serve`: the universal resolver endpoint on this home, until interrupted. Its settings
 * come from flags, then environment variables, then a JSON config file, then defaults (see
 * {@link serveConfig}); a missing or wrong one fails at start with `ERR_GRID_CONFIG`.
 */
export function registerServeCommand(program: Command, { io, globals, openHome }: CommandContext): void {
  program
    .command('serve')
    .description('run the universal resolver endpoint on this home')
    .option('--network <name>', 'a network to serve, by the --ledger ledger (repeatable; default $GRID_DID_NETWORKS=a,b)', collect, [])
    .option('--config <file>', 'JSON config file: {"networks": [...], "ledger", "host", "port", ...} (default $GRID_DID_CONFIG)')
    .option('--host <host>', 'interface to bind (default $GRID_DID_HOST or 127.0.0.1)')
    .option('--port <port>', 'port (default $GRID_DID_PORT or 8080)')
    .option('--cors-origin <origin>', 'Access-Control-Allow-Origin (default $GRID_DID_CORS_ORIGIN or *)')
    .option('--cache-entries <n>', 'answers cached (0: none; default $GRID_DID_CACHE_ENTRIES or 1000)')
    .option('--cache-bytes <n>', 'bytes of answers cached (default $GRID_DID_CACHE_BYTES or 16 MiB)')
    .option('--test-identifier <did>', 'a DID listed by /1.0/testIdentifiers (repeatable; default $GRID_DID_TEST_IDENTIFIERS)', collect, [])
    .option('--log-format <format>', 'text | json (default $GRID_DID_LOG_FORMAT or text)')
    .option('--max-lag <blocks>', 'blocks the index may trail the chain before /health is 503 and answers fail (default 10)')
    .option('--sync-interval <ms>', "how often a chain ledger's index follows the chain, ≥ 10 (default 1000)")
    .option('--no-metrics', 'no Prometheus /metrics route')
    .option('--no-checkpoints', "re-verify every DID's whole log on a cold resolve instead of starting from the resolver's checkpoints")
    .action(async (o: ServeFlags & { checkpoints: boolean; metrics: boolean }) => {
      const { createHandler, createLogger, serve } = await import('../../server/node.js')
      const g = globals()
      // A missing home is named as such before its configuration is judged.
      const dir = resolve(Home.defaultDir(g.home))
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new HomeNotFoundError(dir)
      // The home's config.json names networks only as the last resort (the ones `did create` recorded).
      const config = serveConfig(o, process.env, readConfig(dir).networks ?? [])
      const json = config.logFormat === 'json'
      const logger = createLogger({
        format: json ? 'json' : 'pretty',
        write: (l) => io.stderr(json ? l : `${printable(l.slice(0, -1))}\n`),
      })
      let syncErrors = 0
      const home = await openHome({
        create: false,
        checkpoints: o.checkpoints,
        networks: config.networks,
        maxLag: config.maxLag,
        ...(config.ledger !== undefined && !g.ledger && !process.env.GRID_DID_LEDGER ? { ledger: config.ledger } : {}),
        onSyncError: (err, retryInMs) => {
          syncErrors++
          // One record per failed sync of a chain ledger's index: networks, code, message, back-off.
          const code = String((err as { code?: unknown } | null)?.code ?? 'ERR_UNKNOWN')
          logger.warn({ networks: config.networks, code, error: messageOf(err), retryInMs }, 'sync failed')
        },
      })
      const ledger = home.ledger as Partial<{ start(ms: number): void; syncStatus(): unknown }>
      if (typeof ledger.start === 'function') ledger.start(config.syncInterval)
      const syncStatus = typeof ledger.syncStatus === 'function' ? (ledger.syncStatus.bind(ledger) as () => SyncStatus) : undefined
      // Every network of the home is served from its one ledger: the same index status for each.
      const index = syncStatus
        ? () => {
            const s = syncStatus()
            return config.networks.map((network) => ({
              network,
              indexedHeight: s.indexedHeight,
              finalizedHeight: s.finalizedHeight,
              lagBlocks: s.lag,
              syncErrors,
              ...(s.lastSync === undefined ? {} : { lastSyncTime: s.lastSync }),
            }))
          }
        : undefined
      // A port in use (or any failure to start) closes the home before the error is reported.
      const running = await serve(
        createHandler({
          resolver: home.resolver,
          testIdentifiers: config.testIdentifiers,
          corsOrigin: config.corsOrigin,
          cache: config.cache,
          ...(syncStatus ? { syncStatus: () => syncStatus() } : {}),
        }),
        {
          host: config.host,
          port: config.port,
          log: logger,
          metrics: o.metrics && (index ? { index } : true),
        },
      ).catch(async (err: unknown) => {
        await home.close()
        throw err
      })
      io.stdout(g.json ? `${JSON.stringify({ url: running.url, networks: config.networks })}\n` : `listening on ${running.url}\n`)
      await untilSignal(
        () => running.close(),
        () => home.close(),
      )
    })
}
