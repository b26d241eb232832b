import type { Command } from 'commander'
import { accountFromKeystore, addressArg } from '../account.js'
import type { CommandContext } from '../context.js'
import { CliError, UsageError } from '../errors.js'
import { collect, numberOption, portOption } from '../options.js'
import { untilSignal } from '../until-signal.js'

/**
 * `grid-did chain`: a local development chain with the registry (and, with attestors, the role gate
 * and the contracts consuming it) deployed, until interrupted.
 */
export function registerChainCommand(program: Command, ctx: CommandContext): void {
  const { print } = ctx
  /** An admin account from an EVM account keystore. */
  const account = (file: string) => accountFromKeystore(file, ctx.passphrase)

  program
    .command('chain')
    .description(
      'run a local development chain (in-process EVM) with the registry (and, with --attestor, the role gate and the demand-response and settlement contracts) deployed, until interrupted',
    )
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '8545')
    .option('--chain-id <id>', 'EIP-155 chain id', '1337')
    .option('--hardfork <name>', 'paris | shanghai | cancun | prague', 'shanghai')
    .option('--writer <address|keystore>', 'an account allowed to anchor (repeatable; default: --writer-key)', collect, [] as string[])
    .option('--admin-key <file>', 'EVM account keystore of the registry admin (default: a key that lives only in this process)')
    .option(
      '--attestor <address|keystore>',
      'also deploy the role gate with this attestor (repeatable), and the demand-response and settlement contracts consuming it (admin and operator: the registry admin)',
      collect,
      [] as string[],
    )
    .option('--threshold <k>', "the gate's threshold: distinct attestors a decision needs (with --attestor)")
    .option('--max-age <blocks>', "the gate's freshness bound in blocks (with --attestor)", '20')
    .action(
      async (o: {
        host: string
        port: string
        chainId: string
        hardfork: string
        writer: string[]
        adminKey?: string
        attestor: string[]
        threshold?: string
        maxAge: string
      }) => {
        const port = portOption(o.port)
        const chainId = numberOption(o.chainId, '--chain-id', { min: 1, integer: true })
        if (!['paris', 'shanghai', 'cancun', 'prague'].includes(o.hardfork))
          throw new UsageError(`--hardfork must be paris, shanghai, cancun or prague, got "${o.hardfork}"`)
        const writerKey = ctx.globals().writerKey ?? process.env.GRID_DID_WRITER_KEY
        const writers = await Promise.all(
          [...o.writer, ...(o.writer.length === 0 && writerKey ? [writerKey] : [])].map((w) => addressArg(w, ctx.passphrase)),
        )
        if (writers.length === 0)
          throw new UsageError('no writer: pass --writer ADDRESS|KEYSTORE or --writer-key FILE, or nobody could anchor on this chain')
        if (o.attestor.length > 0 && o.threshold === undefined)
          throw new UsageError('--attestor needs --threshold K: how many distinct attestors a decision needs')
        if (o.attestor.length === 0 && o.threshold !== undefined)
          throw new UsageError('--threshold needs the attestors: pass --attestor ADDRESS|KEYSTORE once per attestor')
        const gateOptions =
          o.attestor.length === 0
            ? undefined
            : {
                attestors: await Promise.all(o.attestor.map((a) => addressArg(a, ctx.passphrase))),
                threshold: numberOption(o.threshold, '--threshold', { min: 1, max: o.attestor.length, integer: true }),
                maxAgeBlocks: numberOption(o.maxAge, '--max-age', { min: 1, integer: true }),
              }
        const [{ createDevChain }, { serveRpc }, { deployRegistry }, { generatePrivateKey }] = await Promise.all([
          import('../../ledger/devchain.js').catch((err: unknown) => {
            // The EVM engine is an optional peer dependency (about 190 MB of native binaries).
            if ((err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes('@nomicfoundation/edr')) {
              throw new CliError(
                '`grid-did chain` needs the optional peer dependency @nomicfoundation/edr: npm install @nomicfoundation/edr@0.13.0',
              )
            }
            throw err
          }),
          import('../../ledger/rpc-server.js'),
          import('../../ledger/evm.js'),
          import('../../ledger/peers/viem.js'),
        ])
        const admin = o.adminKey ? await account(o.adminKey) : generatePrivateKey()
        const chain = await createDevChain({ chainId, hardfork: o.hardfork as 'shanghai' })
        let server: Awaited<ReturnType<typeof serveRpc>> | undefined
        try {
          const deployed = await deployRegistry({ rpc: chain, account: admin, writers })
          // With attestors: the role gate, and the reference contracts consuming it (operator: the admin).
          let contracts: { gate: string; demandResponse: string; settlement: string } | undefined
          if (gateOptions) {
            const [{ deployGate }, { deployDemandResponse, deploySettlement }] = await Promise.all([
              import('../../gate/deploy.js'),
              import('../../gate/contracts.js'),
            ])
            const gate = (await deployGate({ rpc: chain, account: admin, ...gateOptions })).address
            const demandResponse = (await deployDemandResponse({ rpc: chain, account: admin, gate })).address
            const settlement = (await deploySettlement({ rpc: chain, account: admin, gate, demandResponse })).address
            contracts = { gate, demandResponse, settlement }
          }
          server = await serveRpc(chain, { host: o.host, port })
          const spec = `evm:${server.url}#${deployed.address}`
          print(
            {
              rpc: server.url,
              chainId,
              registry: deployed.address,
              ledger: spec,
              writers,
              ...(contracts && gateOptions ? { ...contracts, attestors: gateOptions.attestors, threshold: gateOptions.threshold } : {}),
            },
            [
              `rpc       ${server.url} (chain ${chainId}, ${o.hardfork}, gas price 0)`,
              `registry  ${deployed.address}`,
              `ledger    ${spec}`,
              `writers   ${writers.join(', ')}`,
              ...(contracts && gateOptions
                ? [
                    `gate      ${contracts.gate} (${gateOptions.threshold} of ${gateOptions.attestors.length} attestors)`,
                    `demand-response ${contracts.demandResponse}`,
                    `settlement      ${contracts.settlement}`,
                  ]
                : []),
            ].join('\n'),
          )
        } catch (err) {
          await server?.close()
          await chain.close()
          throw err
        }
        await untilSignal(
          () => server!.close(),
          () => chain.close(),
        )
      },
    )
}
