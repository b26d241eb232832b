import type { Abi, Hex, LocalAccount } from 'viem'
import type { EncodedOperation } from '../../method/operation.js'
import type { AnchoredOperation } from '../../method/state.js'
import type { Eip1193Provider } from '../eip1193.js'

/** Options of {@link EvmLedger}. */
export interface EvmLedgerOptions {
  /** JSON-RPC endpoint URL (`http:` or `https:`) or an EIP-1193 provider. */
  rpc: string | Eip1193Provider
  /** Address of the deployed did:grid registry contract. */
  registry: string
  /**
   * The writer account: a 0x-prefixed secp256k1 private key or a viem local account. Transactions
   * are signed here and sent with `eth_sendRawTransaction`. Without it the ledger is read-only.
   */
  account?: Hex | LocalAccount
  /** Blocks on top of a block before it counts as final (default 0: BFT chains finalize in one block). */
  confirmations?: number
  /** Widest block range of one `eth_getLogs` (default 5,000, Besu's `--rpc-max-logs-range` default). */
  maxLogsRange?: number
  /** Most operations per transaction (default 1,000, the registry's `MAX_BATCH`). */
  maxOperations?: number
  /**
   * Most gas one transaction may use (default 16,777,216 = 2^24, the per-transaction cap of EIP-7825
   * that Besu and other clients apply from Osaka). Batches are split so that an upper bound of each
   * transaction's gas stays under it; that bound is also the transaction's gas limit.
   */
  maxTransactionGas?: number
  /** How often to poll for a transaction receipt (default 250 ms for a URL, 0 for a provider). */
  pollIntervalMs?: number
  /** How long to wait for a transaction to be mined and confirmed (default 60 s). */
  timeoutMs?: number
  /**
   * Most transactions of one batch in flight at once (default 16, geth's and GoQuorum's
   * `--txpool.accountslots`; keep it within the node's per-sender pool limit, e.g. Besu's
   * `--tx-pool-max-future-by-sender`, default 200). 1 sends one transaction after another.
   */
  inFlight?: number
}

/** A compiled registry, as `npm run registry:compile -- --out FILE` writes it. */
export interface RegistryArtifact {
  abi: Abi | readonly unknown[]
  bytecode: string
  evmVersion?: string
  compiler?: string
}

/** One `Anchored` event after the reader's checks. */
export interface ChainOperation extends AnchoredOperation {
  /** The decoded operation (signatures checked stand-alone). */
  op: EncodedOperation
  /** Block of the same key's previous change (0 for none). */
  previousChange: number
}

/** What {@link EvmLedger.scan} found in a block range. */
export interface ScanResult {
  /** Valid operations in ledger order (block, position). */
  operations: ChainOperation[]
  /** Events dropped because their operation failed the stand-alone checks or sat under a wrong key. */
  skipped: number
}

/** The valid operations of one block, with the block's time and their Merkle root. */
export interface BlockOperations {
  time: number
  root: string
  operations: ChainOperation[]
}

/** One page of events: the valid ones, and where the earliest event of any kind points back to. */
export interface LogPage extends ScanResult {
  earliest?: LogEvent
}

/** Where an `Anchored` event sits, and where its key's previous change is. */
export interface LogEvent {
  height: number
  position: number
  time: number
  previousChange: number
}
