import type { Command } from 'commander'
import { accountFromKeystore, addressArg } from '../account.js'
import type { CommandContext } from '../context.js'
import { UsageError } from '../errors.js'
import { collect, gateAddress, numberOption } from '../options.js'

/** `grid-did gate …`: deploy the role gate, show it, govern its attestors, threshold and maximum decision age. */
export function registerGateCommands(program: Command, ctx: CommandContext): void {
  const { print } = ctx
  /** An EVM account from its keystore, checked against the address the file shows. */
  const account = (file: string) => accountFromKeystore(file, ctx.passphrase)

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
      const { deployGate } = await import('../../gate/deploy.js')
      const deployed = await deployGate({ rpc: o.rpc, account: await account(o.key), attestors, threshold, maxAgeBlocks })
      print(
        { ...deployed, attestors, threshold, maxAge: maxAgeBlocks },
        `gate ${deployed.address} (block ${deployed.blockNumber}): ${threshold} of ${attestors.length} attestors, decisions at most ${maxAgeBlocks} blocks old`,
      )
    })

  gate
    .command('info')
    .description("the gate's admin, attestors, threshold and maximum decision age")
    .requiredOption('--rpc <url>', 'JSON-RPC endpoint of a chain node')
    .requiredOption('--gate <address>', 'the GridRoleGate contract')
    .option('--from-block <n>', "the gate's deployment block: where its attestor events are read from", '0')
    .action(async (o: { rpc: string; gate: string; fromBlock: string }) => {
      const { readGate } = await import('../../gate/admin.js')
      const state = await readGate({
        rpc: o.rpc,
        gate: gateAddress(o.gate),
        fromBlock: numberOption(o.fromBlock, '--from-block', { integer: true }),
      })
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
  const target = async (o: { rpc: string; gate: string; key: string }) => ({
    rpc: o.rpc,
    gate: gateAddress(o.gate),
    account: await account(o.key),
  })
  const after = async (o: { rpc: string; gate: string }, tx: { transactionHash: string; blockNumber: number }, text: string) => {
    const { readGate } = await import('../../gate/admin.js')
    const state = await readGate({ rpc: o.rpc, gate: o.gate })
    print(
      { ...tx, ...state },
      `${text} (block ${tx.blockNumber}); threshold ${state.threshold} of ${state.attestors.length}, max age ${state.maxAge} blocks`,
    )
  }

  const attestor = gate.command('attestor').description("the gate's attestor set (admin only)")
  for (const [name, verb] of [
    ['add', 'registered'],
    ['remove', 'unregistered'],
  ] as const) {
    governed(
      attestor.command(`${name} <address>`).description(`${name === 'add' ? 'register' : 'unregister'} an attestor (address or keystore)`),
    ).action(async (value: string, o: { rpc: string; gate: string; key: string }) => {
      const address = await addressArg(value, ctx.passphrase)
      const admin = await import('../../gate/admin.js')
      const tx = await (name === 'add' ? admin.addAttestor : admin.removeAttestor)(await target(o), address)
      await after(o, tx, `${address} ${verb}`)
    })
  }
  governed(gate.command('threshold <k>').description('how many distinct attestors a decision needs (admin only)')).action(
    async (k: string, o: { rpc: string; gate: string; key: string }) => {
      const threshold = numberOption(k, 'threshold', { min: 1, integer: true })
      const { setThreshold } = await import('../../gate/admin.js')
      await after(o, await setThreshold(await target(o), threshold), `threshold set to ${threshold}`)
    },
  )
  governed(gate.command('max-age <blocks>').description('how many blocks old a decision may be (admin only)')).action(
    async (n: string, o: { rpc: string; gate: string; key: string }) => {
      const blocks = numberOption(n, 'max-age', { min: 1, integer: true })
      const { setMaxAge } = await import('../../gate/admin.js')
      await after(o, await setMaxAge(await target(o), blocks), `max age set to ${blocks} blocks`)
    },
  )
}
