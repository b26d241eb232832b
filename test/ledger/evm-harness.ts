/**
 * A registry on an in-process chain (EDR), for the EVM ledger tests: a fresh chain, the registry
 * deployed by an admin key with one allow-listed writer, and a provider that records every call.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { createDevChain, type DevChain } from '../../src/ledger/devchain.js'
import { deployRegistry, EvmLedger, type EvmLedgerOptions, type Eip1193Provider, type RegistryArtifact } from '../../src/ledger/evm.js'

export interface RpcCall {
  method: string
  params: readonly unknown[]
}

export interface DevRegistry {
  chain: DevChain
  /** The chain as the adapters see it: records calls, and sets block times from `clock`. */
  provider: Eip1193Provider
  calls: RpcCall[]
  registry: `0x${string}`
  deployedAt: number
  admin: `0x${string}`
  writer: `0x${string}`
  /** A ledger on this registry with the writer account (override anything). */
  ledger(options?: Partial<EvmLedgerOptions>): EvmLedger
  /** Mines `n` empty blocks. */
  mine(n: number): Promise<void>
  close(): Promise<void>
}

export async function devRegistry(
  options: { clock?: () => number; artifact?: RegistryArtifact; hardfork?: 'paris' | 'shanghai' | 'cancun' | 'prague' } = {},
): Promise<DevRegistry> {
  const clock = options.clock
  const chain = await createDevChain({
    ...(clock ? { initialTimestamp: clock() - 10 } : {}),
    ...(options.hardfork ? { hardfork: options.hardfork } : {}),
  })
  const calls: RpcCall[] = []
  let last = 0
  const provider: Eip1193Provider = {
    async request(args) {
      calls.push({ method: args.method, params: (args.params ?? []) as readonly unknown[] })
      if (clock && args.method === 'eth_sendRawTransaction') {
        // The chain's block time follows the test clock (never backwards, as on a real chain).
        last = Math.max(last, Math.floor(clock()))
        await chain.request({ method: 'evm_setNextBlockTimestamp', params: [`0x${last.toString(16)}`] })
      }
      return chain.request(args)
    },
  }
  const admin = generatePrivateKey()
  const writer = generatePrivateKey()
  const deployed = await deployRegistry({
    rpc: provider,
    account: admin,
    writers: [privateKeyToAccount(writer).address],
    ...(options.artifact ? { artifact: options.artifact } : {}),
  })
  return {
    chain,
    provider,
    calls,
    registry: deployed.address,
    deployedAt: deployed.blockNumber,
    admin,
    writer,
    ledger: (o = {}) => new EvmLedger({ rpc: provider, registry: deployed.address, account: writer, ...o }),
    async mine(n) {
      for (let i = 0; i < n; i++) await chain.request({ method: 'evm_mine', params: [] })
    },
    close: () => chain.close(),
  }
}

export function tempFile(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'grid-did-evm-')), name)
}
