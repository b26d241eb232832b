import { decodeErrorResult, encodeFunctionData, type Address, type Hex } from '../peers/viem.js'
import type { LocalAccount } from 'viem/accounts'
import { type GridError, LedgerForbiddenError, LedgerUnavailableError } from '../../errors.js'
import type { EncodedOperation } from '../../method/operation.js'
import { admitBatch } from '../admit.js'
import type { Receipt, Submittable } from '../types.js'
import { ABI, hexOf, keyOf } from './abi.js'
import type { RegistryConnection } from './connection.js'
import type { RegistryReader } from './read.js'
import { addressOf } from './options.js'
import { revertData, unavailable } from './rpc.js'
import { TransactionSender } from './sender.js'
import { chunksFor } from './gas.js'

/** Limits and timing of a {@link RegistryWriter}. */
export interface WriterOptions {
  maxOperations: number
  maxTransactionGas: number
  pollIntervalMs: number
  timeoutMs: number
  /** Most transactions in flight at once (see {@link TransactionSender}). */
  inFlight: number
}

/**
 * The registry's writer: batches split into transactions under a gas cap, signed
 * locally (legacy EIP-155, gas price 0, explicit nonce and gas) and sent one after another, each
 * waited for until final; reverts decoded into the error they mean.
 */
export class RegistryWriter {
  readonly #chain: RegistryConnection
  readonly #reader: RegistryReader
  readonly #account: LocalAccount | undefined
  readonly #maxOperations: number
  readonly #maxGas: number
  readonly #sender: TransactionSender | undefined
  #tail: Promise<unknown> = Promise.resolve()

  constructor(chain: RegistryConnection, reader: RegistryReader, account: LocalAccount | undefined, options: WriterOptions) {
    this.#chain = chain
    this.#reader = reader
    this.#account = account
    this.#maxOperations = options.maxOperations
    this.#maxGas = options.maxTransactionGas
    const { pollIntervalMs, timeoutMs, inFlight } = options
    // Whether the node still holds a transaction is asked after a few polls without its receipt.
    const recheckMs = Math.max(500, 4 * pollIntervalMs)
    this.#sender = account && new TransactionSender(chain, account, { inFlight, pollIntervalMs, timeoutMs, recheckMs })
  }

  async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    const { unique, indexOf } = admitBatch(operations)
    // The operations were just checked: reading them back from the chain need not check them again.
    const known = new Map(unique.map((op) => [hexOf(op.digest), op]))
    // Under the lock, the transactions are only queued (in call order, so one writer's submissions
    // keep their order on chain); their receipts are awaited outside it, while the next submission's
    // transactions go out.
    const { where, sending } = await this.#serial(async () => {
      // Where each operation already is: found in its key's change chain (a re-submission after a
      // timeout, or another writer's), or nowhere yet.
      const lasts = await this.#lasts(unique)
      const where = await this.#reader.locate(unique, lasts)
      const fresh = unique.filter((_, i) => where[i]!.height === 0)
      if (fresh.length === 0) return { where, sending: undefined }
      if (!this.#account)
        throw new LedgerForbiddenError(
          'no writer account: pass { account } (CLI: --writer-key FILE or $GRID_DID_WRITER_KEY) to anchor operations',
        )
      await this.#checkWriter()
      const newKeys = unique.flatMap((_, i) => (where[i]!.height === 0 ? [lasts[i] === 0] : []))
      // Every transaction is queued at once; the sender keeps at most `inFlight` of them unconfirmed.
      // After a failure, the ones still waiting for their turn are not sent.
      const failure = new AbortController()
      const sent = chunksFor(fresh, newKeys, this.#maxGas, this.#maxOperations).map(({ operations: chunk, gas }) => {
        const data = encodeFunctionData({
          abi: ABI,
          functionName: 'anchor',
          args: [chunk.map((op) => keyOf(op.suffix)), chunk.map((op) => hexOf(op.bytes))],
        })
        return this.#transact(data, BigInt(gas), failure).catch((err: unknown) => {
          failure.abort(err)
          throw err
        })
      })
      const sending = Promise.allSettled(sent).then((settled) => {
        if (failure.signal.aborted) throw failure.signal.reason
        return new Set(settled.map((s) => (s as PromiseFulfilledResult<number>).value))
      })
      sending.catch(() => undefined)
      return { where, sending }
    })
    if (sending) {
      const blocks = await sending
      // Where each operation landed, from the events of the blocks the transactions went into.
      const landed = new Map<string, { height: number; position: number }>()
      for (const height of blocks) {
        for (const o of (await this.#reader.block(height, known)).operations)
          landed.set(hexOf(o.op.digest), { height, position: o.position })
      }
      unique.forEach((op, i) => {
        if (where[i]!.height === 0) where[i] = landed.get(hexOf(op.digest)) ?? where[i]!
      })
      // Anchored meanwhile by someone else (the contract skipped them): ask where.
      const elsewhere = unique.flatMap((_, i) => (where[i]!.height === 0 ? [unique[i]!] : []))
      if (elsewhere.length > 0) {
        const found = await this.#reader.locate(elsewhere, await this.#lasts(elsewhere))
        for (const [j, op] of elsewhere.entries()) where[unique.indexOf(op)] = found[j]!
      }
    }
    const receipts = await Promise.all(
      unique.map(async (op, i) => {
        const { height, position } = where[i]!
        if (height === 0) throw new LedgerUnavailableError(`operation ${op.cid} was sent but the registry does not hold it`)
        const block = await this.#reader.block(height, known)
        return { cid: op.cid, did: op.did, height, position, time: block.time, batchRoot: block.root }
      }),
    )
    return indexOf.map((i) => ({ ...receipts[i]! }))
  }

  /** Whether `address` may anchor operations. */
  async isWriter(address: Address): Promise<boolean> {
    this.#chain.open()
    return (await this.#chain.view('isWriter', [address])) as boolean
  }

  /** Sends one admin transaction (the account must be the registry admin). */
  async admin(functionName: 'addWriter' | 'removeWriter', address: Address): Promise<void> {
    this.#chain.open()
    if (!this.#account) throw new LedgerForbiddenError(`no writer account: pass { account } to ${functionName}`)
    await this.#serial(() => this.#transact(encodeFunctionData({ abi: ABI, functionName, args: [address] })))
  }

  /** Runs `task` after every earlier write: one nonce sequence, serial sends. */
  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task, task)
    this.#tail = run.catch(() => undefined)
    return run
  }

  /** Asks whether the account may anchor (one view call), so a refused writer sends nothing. */
  async #checkWriter(): Promise<void> {
    const address = this.#account!.address
    if (!(await this.isWriter(addressOf(address))))
      throw new LedgerForbiddenError(`account ${address} is not an allow-listed writer of registry ${this.#chain.registry}`)
  }

  /**
   * Signs and sends one transaction to the registry, waits until it is final, and returns its block.
   * `gas` is the limit to use; without it (or when it proves too low) the node estimates it.
   */
  async #transact(data: Hex, gas?: bigint, group?: AbortController): Promise<number> {
    const request = { from: this.#account!.address, to: this.#chain.registry, data, gasPrice: '0x0' }
    let estimated = gas === undefined
    gas ??= await this.#estimate(request)
    for (;;) {
      // Nonces, several in flight, dropped and replaced transactions: the sender's. The contract
      // skips operations that meanwhile got anchored, so whatever it sends again is harmless.
      let receipt: Awaited<ReturnType<TransactionSender['send']>>
      try {
        receipt = await this.#sender!.send({ to: this.#chain.registry, data, gas }, group)
      } catch (cause) {
        throw this.#reverted(cause) ?? unavailable('eth_sendRawTransaction', cause)
      }
      const hash = receipt.hash
      if (receipt.status === '0x1') return receipt.blockNumber
      if (!estimated && receipt.gasUsed >= gas) {
        // Out of gas on the computed limit (another contract build?): let the node estimate, once.
        gas = await this.#estimate(request)
        estimated = true
        continue
      }
      // Replay the call to learn why (e.g. the writer was removed since it was last asked).
      let reason: GridError | undefined
      try {
        await this.#chain.request('eth_call', [request, `0x${receipt.blockNumber.toString(16)}`])
      } catch (cause) {
        reason = this.#reverted(cause)
      }
      throw reason ?? new LedgerUnavailableError(`transaction ${hash} reverted in block ${receipt.blockNumber} (gas ${gas})`)
    }
  }

  /** The node's gas estimate with headroom: another writer's transaction in the same block can change costs. */
  async #estimate(request: object): Promise<bigint> {
    try {
      const gas = BigInt((await this.#chain.request('eth_estimateGas', [request])) as Hex)
      return (gas * 5n) / 4n + 20_000n
    } catch (cause) {
      throw this.#reverted(cause) ?? unavailable('eth_estimateGas', cause)
    }
  }

  /** A revert of the registry decoded into the error it means, when it is one. */
  #reverted(cause: unknown): GridError | undefined {
    const data = revertData(cause)
    if (!data) return undefined
    try {
      const { errorName, args } = decodeErrorResult({ abi: ABI, data })
      if (errorName === 'NotWriter' || errorName === 'NotAdmin') {
        const role = errorName === 'NotWriter' ? 'an allow-listed writer' : 'the admin'
        return new LedgerForbiddenError(`account ${String(args[0])} is not ${role} of registry ${this.#chain.registry}`, { cause })
      }
      return new LedgerUnavailableError(
        `registry ${this.#chain.registry} refused the transaction: ${errorName}(${args.map(String).join(', ')})`,
        { cause },
      )
    } catch {
      return undefined
    }
  }

  /** The last change of each operation's key (0: the key has none), one view call per 1,000. */
  async #lasts(operations: readonly EncodedOperation[]): Promise<number[]> {
    const out: number[] = []
    for (let i = 0; i < operations.length; i += 1000) {
      const keys = operations.slice(i, i + 1000).map((op) => keyOf(op.suffix))
      const [lasts] = (await this.#chain.view('lastChanges', [keys])) as readonly [readonly number[], readonly Hex[]]
      out.push(...lasts.map(Number))
    }
    return out
  }
}
