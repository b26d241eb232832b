import { join } from 'node:path'
import type { ChainIndexOptions } from '../ledger/chain-index.js'
import type { Ledger } from '../ledger/types.js'
import { UsageError } from './errors.js'
import { keystoreAddress, openAccountKeystore } from './keystore.js'
import { writerPassphrase as ownWriterPassphrase } from './prompt.js'

/** Where a command's operations live. */
export type LedgerSpec = { kind: 'embedded' } | { kind: 'evm'; rpc: string; registry: string; text: string }

/**
 * Reads `--ledger` / `$GRID_DID_LEDGER`: `embedded` (the home's own store), `evm:<rpc-url>#<registry>`,
 * or the name of an entry under `ledgers` in the home's config.json.
 */
export function parseLedgerSpec(value: string | undefined, named: Record<string, string> = {}): LedgerSpec {
  if (value === undefined || value === '' || value === 'embedded') return { kind: 'embedded' }
  const text = value.startsWith('evm:') ? value : named[value]
  if (text === undefined) {
    throw new UsageError(
      `--ledger must be "embedded", evm:<rpc-url>#<registry-address>, or a name in config.json "ledgers"; got "${value}"`,
    )
  }
  const match = /^evm:(https?:\/\/[^#\s]+)#(0x[0-9a-fA-F]{40})$/.exec(text)
  if (!match) throw new UsageError(`a chain ledger is evm:<http(s) rpc-url>#<0x registry address>, got "${text}"`)
  return { kind: 'evm', rpc: match[1]!, registry: match[2]!, text }
}

/**
 * The chain's local index in the home (one file per registry), syncing from an EvmLedger whose
 * writer account signs with `writerKey`, unlocked only when a transaction is signed.
 */
export async function openChainIndex(
  dir: string,
  spec: Extract<LedgerSpec, { kind: 'evm' }>,
  writerKey: string | undefined,
  passphrase: () => Promise<string>,
  indexOptions: Pick<ChainIndexOptions, 'onError' | 'maxLag'> = {},
): Promise<Ledger & { sync(): Promise<unknown>; start(ms: number): void; readonly lastError: unknown }> {
  const [{ EvmLedger }, { ChainIndex }, { privateKeyToAccount, toAccount }] = await Promise.all([
    import('../ledger/evm.js'),
    import('../ledger/chain-index.js'),
    import('../ledger/peers/viem.js'),
  ])
  let account
  if (writerKey) {
    const address = keystoreAddress(writerKey) as `0x${string}`
    let unlocked: ReturnType<typeof privateKeyToAccount> | undefined
    const unlock = async () =>
      (unlocked ??= privateKeyToAccount(
        openAccountKeystore(writerKey, await writerPassphrase(passphrase), (k) => privateKeyToAccount(k).address),
      ))
    account = toAccount({
      address,
      signTransaction: async (tx, options) => (await unlock()).signTransaction(tx, options),
      signMessage: async (m) => (await unlock()).signMessage(m),
      signTypedData: async (d) => (await unlock()).signTypedData(d as never),
    })
  }
  const chain = new EvmLedger({ rpc: spec.rpc, registry: spec.registry, ...(account ? { account } : {}) })
  const index = new ChainIndex(join(dir, `chain-${chain.registry.toLowerCase()}.db`), chain, {
    create: true,
    ...indexOptions,
  })
  try {
    await index.sync()
  } catch (err) {
    await index.close()
    throw err
  }
  return index
}

/** The writer account's own passphrase ({@link ownWriterPassphrase}), else the same passphrase as the other keys. */
function writerPassphrase(passphrase: () => Promise<string>): Promise<string> {
  const own = ownWriterPassphrase()
  return own !== undefined ? Promise.resolve(own) : passphrase()
}
