import type { Command } from 'commander'
import type { Globals } from './commands.js'
import { addressArg } from './chain-commands.js'
import { UsageError } from './errors.js'
import type { Home, HomeOptions } from './home.js'
import { openAccountKeystore } from './keystore.js'
import { collect, numberOption, portOption } from './options.js'
import { printable } from './printable.js'
import type { Io } from './main.js'

const FOLLOWS = '`attest serve` follows a chain: pass --ledger evm:<rpc-url>#<registry> (or set $GRID_DID_LEDGER)'

interface Context {
  globals: () => Globals
  passphrase: () => Promise<string>
  openHome: (options: Pick<HomeOptions, 'create' | 'onSyncError'>) => Promise<Home>
}

/** `grid-did gate …` (deploy, info, attestor add/remove, threshold, max-age) and `grid-did attest serve`. */
export function registerGateCommands(program: Command, io: Io, ctx: Context): void {
  const print = (json: unknown, text: string) => io.stdout(ctx.globals().json ? `${JSON.stringify(json, null, 2)}\n` : `${text}\n`)
  /** An EVM account from its keystore, checked against the address the file shows. */
  const account = async (file: string) => {
    const { privateKeyToAccount } = await import('viem/accounts')
    return privateKeyToAccount(openAccountKeystore(file, await ctx.passphrase(), (k) => privateKeyToAccount(k).address))
  }
  const gateAddress = (value: string) => {
    if (!/^0x[0-9a-fA-F]{40}$/.test(value)) throw new UsageError(`--gate must be a 0x-prefixed 20-byte address, got "${printable(value)}"`)
    return value
  }

  const gate = program.command('gate').description('the role gate on chain: deploy it, govern its attestors, threshold and freshness')
  gate
    .command('deploy')
    .description('deploy the role gate (GridRoleGate); the --key account becomes its admin')
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint of a chain node')
    .requiredOption('--key <file>', 'EVM account keystore of the deployer (the admin)')
    .option('--attestor <address|keystore>', 'an attestor (repeatable)', collect, [] as string[])
    .requiredOption('--threshold <k>', 'how many distinct attestors a decision needs')
    .option('--max-age <blocks>', 'how many blocks old a decision may be (bounds revocation latency)', '20')
    .action(async (o: { rpc: string; key: string; attestor: string[]; threshold: string; maxAge: string }) => {
      if (o.attestor.length === 0) throw new UsageError('no attestor: pass --attestor ADDRESS|KEYSTORE once per attestor')
      const threshold = numberOption(o.threshold, '--threshold', { min: 1, max: o.attestor.length, integer: true })
      const maxAgeBlocks = numberOption(o.maxAge, '--max-age', { min: 1, integer: true })
      const attestors = await Promise.all(o.attestor.map((a) => addressArg(a, ctx.passphrase)))
      const { deployGate } = await import('../gate/deploy.js')
      const deployed = await deployGate({ rpc: o.rpc, account: await account(o.key), attestors, threshold, maxAgeBlocks })
      print({ ...deployed, attestors, threshold, maxAge: maxAgeBlocks }, `gate ${deployed.address} (block ${deployed.blockNumber}): ${threshold} of ${attestors.length} attestors, decisions at most ${maxAgeBlocks} blocks old`)
    })

  gate
    .command('info')
    .description("the gate's admin, attestors, threshold and maximum decision age")
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint of a chain node')
    .requiredOption('--gate <address>', 'the GridRoleGate contract')
    .option('--from-block <n>', "the gate's deployment block: where its attestor events are read from", '0')
    .action(async (o: { rpc: string; gate: string; fromBlock: string }) => {
      const { readGate } = await import('../gate/admin.js')
      const state = await readGate({ rpc: o.rpc, gate: gateAddress(o.gate), fromBlock: numberOption(o.fromBlock, '--from-block', { integer: true }) })
      print(
        state,
        [
          `gate ${state.gate}, admin ${state.admin}${state.pendingAdmin ? ` (pending ${state.pendingAdmin})` : ''}`,
          `threshold ${state.threshold} of ${state.attestors.length}; decisions at most ${state.maxAge} blocks old`,
          ...state.attestors.map((a) => `attestor ${a}`),
        ].join('\n'),
      )
    })

  /** The admin transaction options every governance command takes. */
  const governed = (c: Command) =>
    c
      .requiredOption('--rpc <url>', 'JSON-RPC endpoint of a chain node')
      .requiredOption('--gate <address>', 'the GridRoleGate contract')
      .requiredOption('--key <file>', "the gate admin's EVM account keystore")
  const target = async (o: { rpc: string; gate: string; key: string }) => ({ rpc: o.rpc, gate: gateAddress(o.gate), account: await account(o.key) })
  const after = async (o: { rpc: string; gate: string }, tx: { transactionHash: string; blockNumber: number }, text: string) => {
    const { readGate } = await import('../gate/admin.js')
    const state = await readGate({ rpc: o.rpc, gate: o.gate })
    print({ ...tx, ...state }, `${text} (block ${tx.blockNumber}); threshold ${state.threshold} of ${state.attestors.length}, max age ${state.maxAge} blocks`)
  }

  const attestor = gate.command('attestor').description("the gate's attestor set (admin only)")
  for (const [name, verb] of [['add', 'registered'], ['remove', 'unregistered']] as const) {
    governed(attestor.command(`${name} <address>`).description(`${name === 'add' ? 'register' : 'unregister'} an attestor (address or keystore)`)).action(
      async (value: string, o: { rpc: string; gate: string; key: string }) => {
        const address = await addressArg(value, ctx.passphrase)
        const admin = await import('../gate/admin.js')
        const tx = await (name === 'add' ? admin.addAttestor : admin.removeAttestor)(await target(o), address)
        await after(o, tx, `${address} ${verb}`)
      },
    )
  }
  governed(gate.command('threshold <k>').description('how many distinct attestors a decision needs (admin only)')).action(async (k: string, o: { rpc: string; gate: string; key: string }) => {
    const threshold = numberOption(k, 'threshold', { min: 1, integer: true })
    const { setThreshold } = await import('../gate/admin.js')
    await after(o, await setThreshold(await target(o), threshold), `threshold set to ${threshold}`)
  })
  governed(gate.command('max-age <blocks>').description('how many blocks old a decision may be (admin only)')).action(async (n: string, o: { rpc: string; gate: string; key: string }) => {
    const blocks = numberOption(n, 'max-age', { min: 1, integer: true })
    const { setMaxAge } = await import('../gate/admin.js')
    await after(o, await setMaxAge(await target(o), blocks), `max age set to ${blocks} blocks`)
  })

  const attest = program.command('attest').description("a consortium member's attestor: role decisions signed for the gate")
  attest
    .command('serve')
    .description('answer POST /1.0/attestations from this home\'s index of the chain (--ledger evm:…), signing allowed decisions with --key')
    .requiredOption('--gate <address>', 'the GridRoleGate contract')
    .requiredOption('--key <file>', "the attestor's EVM account keystore (its address is registered in the gate)")
    .requiredOption('--trust-registry <url>', "the did:grid URL of the utility's trust registry")
    .option('--network <name>', 'a network whose DIDs live on the chain (repeatable; default: the trust registry\'s)', collect, [] as string[])
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', '8090')
    .option('--sync-interval <ms>', 'how often the index follows the chain', '1000')
    .option('--max-ttl <seconds>', "an attestation's longest life past its block's time", '600')
    .action(async (o: { gate: string; key: string; trustRegistry: string; network: string[]; host: string; port: string; syncInterval: string; maxTtl: string }) => {
      const port = portOption(o.port)
      const interval = numberOption(o.syncInterval, '--sync-interval', { min: 10, integer: true })
      const maxTtlSeconds = numberOption(o.maxTtl, '--max-ttl', { min: 1, integer: true })
      const gateAt = gateAddress(o.gate)
      if (!o.trustRegistry.startsWith('did:grid:')) throw new UsageError(`--trust-registry must be a did:grid URL, got "${printable(o.trustRegistry)}"`)
      const ledger = ctx.globals().ledger ?? process.env.GRID_DID_LEDGER
      if (!ledger || ledger === 'embedded') throw new UsageError(FOLLOWS)
      const signer = await account(o.key)
      const [{ createAttestor }, { createAttestorHandler }, { serve }] = await Promise.all([import('../gate/attestor.js'), import('../server/attestor-handler.js'), import('../server/node.js')])
      const home = await ctx.openHome({ create: false, onSyncError: (err) => io.stderr(`sync failed: ${printable(err instanceof Error ? err.message : String(err))}\n`) })
      let running: Awaited<ReturnType<typeof serve>> | undefined
      try {
        const index = home.ledger as import('../ledger/chain-index.js').ChainIndex
        if (!(index.chain && typeof index.start === 'function')) throw new UsageError(FOLLOWS)
        const { chainId } = await index.chain.info()
        const attestor = createAttestor({ index, account: signer, gate: gateAt, chainId, trustRegistry: o.trustRegistry, maxTtlSeconds, ...(o.network.length ? { networks: o.network } : {}) })
        index.start(interval)
        running = await serve(createAttestorHandler({ attestor }), { host: o.host, port, log: (l) => io.stderr(`${printable(l)}\n`) })
        print({ url: running.url, attestor: attestor.address, chainId, gate: attestor.gate }, `attestor ${attestor.address} listening on ${running.url} (chain ${chainId}, gate ${attestor.gate})`)
      } catch (err) {
        await running?.close()
        await home.close()
        throw err
      }
      await new Promise<void>((resolve) => {
        const stop = () => void running!.close().then(() => home.close()).then(resolve)
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
}
