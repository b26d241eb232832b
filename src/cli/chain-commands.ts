import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { RegistryArtifact } from '../ledger/evm.js'
import type { Globals } from './commands.js'
import { CliError, UsageError } from './errors.js'
import { collect, numberOption, portOption } from './options.js'
import { Home, readConfig } from './home.js'
import { keystoreAddress, openAccountKeystore } from './keystore.js'
import { parseLedgerSpec } from './ledger.js'
import type { Io } from './main.js'

interface Context {
  globals: () => Globals
  passphrase: () => Promise<string>
  openHome: (options: { create: boolean }) => Promise<Home>
}

/** `grid-did ledger …` (deploy, info, writer add/remove) and `grid-did chain`. */
export function registerChainCommands(program: Command, io: Io, ctx: Context): void {
  const print = (json: unknown, text: string) => io.stdout(ctx.globals().json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`)
  /** An admin or deployer account from an EVM account keystore. */
  const account = async (file: string) => {
    const { privateKeyToAccount } = await import('viem/accounts')
    return privateKeyToAccount(openAccountKeystore(file, await ctx.passphrase(), (k) => privateKeyToAccount(k).address))
  }

  const ledger = program.command('ledger').description('the consortium chain ledger: deploy the registry, govern its writers')
  ledger
    .command('deploy')
    .description('deploy the did:grid registry contract; the --key account becomes its admin')
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint of a chain node')
    .requiredOption('--key <file>', 'EVM account keystore of the deployer (the admin)')
    .option('--writer <address|keystore>', 'an account allowed to anchor (repeatable; default the deployer)', collect, [] as string[])
    .option('--artifact <file>', 'a compiled registry from `npm run registry:compile -- --out FILE` (default: the bundled paris build)')
    .option('--name <name>', 'remember the ledger under this name in config.json, for --ledger NAME')
    .action(async (o: { rpc: string; key: string; writer: string[]; artifact?: string; name?: string }) => {
      const { deployRegistry } = await import('../ledger/evm.js')
      const artifact = o.artifact ? readArtifact(o.artifact) : undefined
      const writers = await Promise.all(o.writer.map((w) => addressArg(w, ctx.passphrase)))
      const deployed = await deployRegistry({ rpc: o.rpc, account: await account(o.key), ...(writers.length ? { writers } : {}), ...(artifact ? { artifact } : {}) })
      const spec = `evm:${o.rpc}#${deployed.address}`
      if (o.name) {
        const home = await ctx.openHome({ create: true })
        try {
          home.setConfig({ ledgers: { ...home.config.ledgers, [o.name]: spec } })
        } finally {
          await home.close()
        }
      }
      print({ ...deployed, ledger: spec }, `registry ${deployed.address} (block ${deployed.blockNumber})\n--ledger ${spec}`)
    })

  ledger
    .command('info')
    .description('the ledger in use: chain, registry, admin, writer standing, heights')
    .action(async () => {
      const home = await ctx.openHome({ create: false })
      try {
        const head = await home.ledger.head()
        const chain = (home.ledger as { chain?: import('../ledger/evm.js').EvmLedger }).chain
        if (!chain) return print({ ledger: 'embedded', dir: home.dir, head }, `embedded ledger in ${home.dir}, height ${head.height}`)
        const info = await chain.info()
        const chainHead = await chain.head()
        print(
          { ledger: 'evm', ...info, head: chainHead, indexed: head },
          [
            `chain ${info.chainId}, registry ${info.registry} (deployed at block ${info.deployedAt})`,
            `admin ${info.admin}`,
            info.writer ? `writer ${info.writer.address} ${info.writer.allowed ? 'is allow-listed' : 'is NOT allow-listed'}` : 'no writer key (read-only)',
            `chain head ${chainHead.height}, final ${chainHead.finalizedHeight}; indexed up to ${head.height}`,
          ].join('\n'),
        )
      } finally {
        await home.close()
      }
    })

  const writer = ledger.command('writer').description("the registry's writer allow-list (admin only)")
  for (const [name, verb] of [['add', 'allow'], ['remove', 'stop']] as const) {
    writer
      .command(`${name} <account>`)
      .description(`${verb} an account (address or keystore) to anchor operations`)
      .requiredOption('--key <file>', "the registry admin's EVM account keystore")
      .action(async (target: string, o: { key: string }) => {
        const spec = parseLedgerSpec(ctx.globals().ledger ?? process.env.GRID_DID_LEDGER, namedLedgers(ctx))
        if (spec.kind !== 'evm') throw new UsageError('`ledger writer` needs a chain ledger: pass --ledger evm:<rpc-url>#<registry>')
        const { EvmLedger } = await import('../ledger/evm.js')
        const address = await addressArg(target, ctx.passphrase)
        const chain = new EvmLedger({ rpc: spec.rpc, registry: spec.registry, account: await account(o.key) })
        try {
          await (name === 'add' ? chain.addWriter(address) : chain.removeWriter(address))
          const allowed = await chain.isWriter(address)
          print({ address, allowed }, `${address} ${allowed ? 'may' : 'may not'} anchor on ${chain.registry}`)
        } finally {
          await chain.close()
        }
      })
  }

  program
    .command('chain')
    .description('run a local development chain (in-process EVM) with the registry (and, with --attestor, the role gate and the demand-response and settlement contracts) deployed, until interrupted')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '8545')
    .option('--chain-id <id>', 'EIP-155 chain id', '1337')
    .option('--hardfork <name>', 'paris | shanghai | cancun | prague', 'shanghai')
    .option('--writer <address|keystore>', 'an account allowed to anchor (repeatable; default: --writer-key)', collect, [] as string[])
    .option('--admin-key <file>', 'EVM account keystore of the registry admin (default: a key that lives only in this process)')
    .option('--attestor <address|keystore>', 'also deploy the role gate with this attestor (repeatable), and the demand-response and settlement contracts consuming it (admin and operator: the registry admin)', collect, [] as string[])
    .option('--threshold <k>', "the gate's threshold: distinct attestors a decision needs (with --attestor)")
    .option('--max-age <blocks>', "the gate's freshness bound in blocks (with --attestor)", '20')
    .action(async (o: { host: string; port: string; chainId: string; hardfork: string; writer: string[]; adminKey?: string; attestor: string[]; threshold?: string; maxAge: string }) => {
      const port = portOption(o.port)
      const chainId = numberOption(o.chainId, '--chain-id', { min: 1, integer: true })
      if (!['paris', 'shanghai', 'cancun', 'prague'].includes(o.hardfork)) throw new UsageError(`--hardfork must be paris, shanghai, cancun or prague, got "${o.hardfork}"`)
      const writerKey = ctx.globals().writerKey ?? process.env.GRID_DID_WRITER_KEY
      const writers = await Promise.all([...o.writer, ...(o.writer.length === 0 && writerKey ? [writerKey] : [])].map((w) => addressArg(w, ctx.passphrase)))
      if (writers.length === 0) throw new UsageError('no writer: pass --writer ADDRESS|KEYSTORE or --writer-key FILE, or nobody could anchor on this chain')
      if (o.attestor.length > 0 && o.threshold === undefined) throw new UsageError('--attestor needs --threshold K: how many distinct attestors a decision needs')
      if (o.attestor.length === 0 && o.threshold !== undefined) throw new UsageError('--threshold needs the attestors: pass --attestor ADDRESS|KEYSTORE once per attestor')
      const gateOptions =
        o.attestor.length === 0
          ? undefined
          : {
              attestors: await Promise.all(o.attestor.map((a) => addressArg(a, ctx.passphrase))),
              threshold: numberOption(o.threshold, '--threshold', { min: 1, max: o.attestor.length, integer: true }),
              maxAgeBlocks: numberOption(o.maxAge, '--max-age', { min: 1, integer: true }),
            }
      const [{ createDevChain }, { serveRpc }, { deployRegistry }, { generatePrivateKey }] = await Promise.all([
        import('../ledger/devchain.js').catch((err: unknown) => {
          // The EVM engine is an optional peer dependency (about 190 MB of native binaries).
          if ((err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' && String(err).includes('@nomicfoundation/edr')) {
            throw new CliError('`grid-did chain` needs the optional peer dependency @nomicfoundation/edr: npm install @nomicfoundation/edr@0.13.0')
          }
          throw err
        }),
        import('../ledger/rpc-server.js'),
        import('../ledger/evm.js'),
        import('viem/accounts'),
      ])
      const admin = o.adminKey ? await account(o.adminKey) : generatePrivateKey()
      const chain = await createDevChain({ chainId, hardfork: o.hardfork as 'shanghai' })
      let server: Awaited<ReturnType<typeof serveRpc>> | undefined
      try {
        const deployed = await deployRegistry({ rpc: chain, account: admin, writers })
        // With attestors: the role gate, and the reference contracts consuming it (operator: the admin).
        let contracts: { gate: string; demandResponse: string; settlement: string } | undefined
        if (gateOptions) {
          const [{ deployGate }, { deployDemandResponse, deploySettlement }] = await Promise.all([import('../gate/deploy.js'), import('../gate/contracts.js')])
          const gate = (await deployGate({ rpc: chain, account: admin, ...gateOptions })).address
          const demandResponse = (await deployDemandResponse({ rpc: chain, account: admin, gate })).address
          const settlement = (await deploySettlement({ rpc: chain, account: admin, gate, demandResponse })).address
          contracts = { gate, demandResponse, settlement }
        }
        server = await serveRpc(chain, { host: o.host, port })
        const spec = `evm:${server.url}#${deployed.address}`
        print(
          { rpc: server.url, chainId, registry: deployed.address, ledger: spec, writers, ...(contracts && gateOptions ? { ...contracts, attestors: gateOptions.attestors, threshold: gateOptions.threshold } : {}) },
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
      await new Promise<void>((resolve) => {
        const stop = () => void server!.close().then(() => chain.close()).then(resolve)
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
}

/**
 * An account argument: a 0x address, or an EVM account keystore. The keystore is unlocked (with
 * `$GRID_DID_WRITER_PASSPHRASE`, else the passphrase) and its readable address checked against the
 * key, since that address goes on the allow-list: an edited file is `ERR_GRID_KEYSTORE_MISMATCH`.
 */
export async function addressArg(value: string, passphrase: () => Promise<string>): Promise<`0x${string}`> {
  if (/^0x[0-9a-fA-F]{40}$/.test(value)) return value as `0x${string}`
  const { privateKeyToAccount } = await import('viem/accounts')
  const address = keystoreAddress(value) as `0x${string}`
  openAccountKeystore(value, process.env.GRID_DID_WRITER_PASSPHRASE ?? (await passphrase()), (k) => privateKeyToAccount(k).address)
  return address
}

function readArtifact(file: string): RegistryArtifact {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RegistryArtifact
  } catch (err) {
    throw new CliError(`cannot read ${file} as a registry artifact: ${(err as Error).message}`)
  }
}

function namedLedgers(ctx: Context): Record<string, string> {
  return readConfig(resolve(Home.defaultDir(ctx.globals().home))).ledgers ?? {}
}
