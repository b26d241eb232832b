import { decodeErrorResult, encodeFunctionData, type Address, type Hex } from '../peers/viem.js'
import type { LocalAccount } from 'viem/accounts'
import { type GridError, LedgerForbiddenError, LedgerUnavailableError } from '../../errors.js'
import { messageOf } from '../../lib/message.js'
import type { EncodedOperation } from '../../method/operation.js'
import { admitBatch } from '../admit.js'
import type { Receipt, Submittable } from '../types.js'
import { ABI, hexOf, keyOf } from './abi.js'
import type { RegistryConnection } from './connection.js'
import type { RegistryReader } from './read.js'
import { addressOf } from './options.js'
import { finalReceipt, revertData, unavailable } from './rpc.js'

/** Limits and timing of a {@link RegistryWriter}. */
export interface WriterOptions {
  maxOperations: number
  maxBytes: number
  pollIntervalMs: number
  timeoutMs: number
}

/**
 * The registry's writer: batches split into transactions by count and calldata bytes, signed
 * locally (legacy EIP-155, gas price 0, explicit nonce and gas) and sent one after another, each
 * waited for until final; reverts decoded into the error they mean.
 */
export class RegistryWriter {
  readonly #chain: RegistryConnection
  readonly #reader: RegistryReader
  readonly #account: LocalAccount | undefined
  readonly #maxOperations: number
  readonly #maxBytes: number
  readonly #poll: number
  readonly #timeout: number
  #nonce: number | undefined
  #tail: Promise<unknown> = Promise.resolve()

  constructor(chain: RegistryConnection, reader: RegistryReader, account: LocalAccount | undefined, options: WriterOptions) {
    this.#chain = chain
    this.#reader = reader
    this.#account = account
    this.#maxOperations = options.maxOperations
    this.#maxBytes = options.maxBytes
    this.#poll = options.pollIntervalMs
    this.#timeout = options.timeoutMs
  }

  async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    const { unique, indexOf } = admitBatch(operations)
    // The operations were just checked: reading them back from the chain need not check them again.
    const known = new Map(unique.map((op) => [hexOf(op.digest), op]))
    const receipts = await this.#serial(async () => {
      const where = await this.#anchoredAt(unique)
      const fresh = unique.filter((_, i) => where[i]!.height === 0)
      if (fresh.length > 0) {
        if (!this.#account)
          throw new LedgerForbiddenError(
            'no writer account: pass { account } (CLI: --writer-key FILE or $GRID_DID_WRITER_KEY) to anchor operations',
          )
        await this.#checkWriter()
        const blocks = new Set<number>()
        for (const chunk of this.#chunks(fresh)) {
          const data = encodeFunctionData({
            abi: ABI,
            functionName: 'anchor',
            args: [chunk.map((op) => keyOf(op.suffix)), chunk.map((op) => hexOf(op.bytes))],
          })
          blocks.add(await this.#transact(data, gasFor(chunk)))
        }
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
        const elsewhere = unique.flatMap((_, i) => (where[i]!.height === 0 ? [i] : []))
        if (elsewhere.length > 0) {
          const found = await this.#anchoredAt(elsewhere.map((i) => unique[i]!))
          elsewhere.forEach((i, j) => (where[i] = found[j]!))
        }
      }
      return Promise.all(
        unique.map(async (op, i) => {
          const { height, position } = where[i]!
          if (height === 0) throw new LedgerUnavailableError(`operation ${op.cid} was sent but the registry does not hold it`)
          const block = await this.#reader.block(height, known)
          return { cid: op.cid, did: op.did, height, position, time: block.time, batchRoot: block.root }
        }),
      )
    })
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

  /** Splits operations into transactions by count and calldata bytes. */
  #chunks(operations: EncodedOperation[]): EncodedOperation[][] {
    const chunks: EncodedOperation[][] = []
    let chunk: EncodedOperation[] = []
    let bytes = 4 + 4 * 32
    for (const op of operations) {
      // ABI size of one entry: its key, its offset, its length word and its padded bytes.
      const size = 3 * 32 + Math.ceil(op.bytes.length / 32) * 32
      if (chunk.length > 0 && (chunk.length === this.#maxOperations || bytes + size > this.#maxBytes)) {
        chunks.push(chunk)
        chunk = []
        bytes = 4 + 4 * 32
      }
      chunk.push(op)
      bytes += size
    }
    chunks.push(chunk)
    return chunks
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
  async #transact(data: Hex, gas?: bigint): Promise<number> {
    const account = this.#account!
    const { chainId } = await this.#chain.init()
    const request = { from: account.address, to: this.#chain.registry, data, gasPrice: '0x0' }
    let estimated = gas === undefined
    gas ??= await this.#estimate(request)
    for (let attempt = 1; ; attempt++) {
      this.#nonce ??= Number(await this.#chain.rpc('eth_getTransactionCount', [account.address, 'pending']))
      const nonce = this.#nonce
      const raw = await account.signTransaction({
        type: 'legacy',
        chainId,
        nonce,
        gas,
        gasPrice: 0n,
        to: this.#chain.registry,
        data,
        value: 0n,
      })
      let hash: Hex
      try {
        hash = (await this.#chain.request('eth_sendRawTransaction', [raw])) as Hex
        this.#nonce = nonce + 1
      } catch (cause) {
        this.#nonce = undefined
        // Another process used this account's nonce: read it again and re-sign. The contract skips
        // operations that meanwhile got anchored, so re-sending is harmless.
        if (attempt < 3 && /nonce|known transaction|already known|replacement/i.test(messageOf(cause))) continue
        throw this.#reverted(cause) ?? unavailable('eth_sendRawTransaction', cause)
      }
      const receipt = await this.#receipt(hash)
      if (receipt.status === '0x1') return Number(receipt.blockNumber)
      if (!estimated && BigInt(receipt.gasUsed) >= gas) {
        // Out of gas on the computed limit (another contract build?): let the node estimate, once.
        gas = await this.#estimate(request)
        estimated = true
        continue
      }
      // Replay the call to learn why (e.g. the writer was removed since it was last asked).
      let reason: GridError | undefined
      try {
        await this.#chain.request('eth_call', [request, receipt.blockNumber])
      } catch (cause) {
        reason = this.#reverted(cause)
      }
      throw reason ?? new LedgerUnavailableError(`transaction ${hash} reverted in block ${Number(receipt.blockNumber)} (gas ${gas})`)
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

  async #receipt(hash: Hex): Promise<{ status: Hex; blockNumber: Hex; gasUsed: Hex }> {
    const receipt = await finalReceipt<{ status: Hex; blockNumber: Hex; gasUsed: Hex }>(
      (m, p) => this.#chain.rpc(m, p),
      hash,
      this.#chain.confirmations,
      this.#timeout,
      this.#poll,
    )
    if (receipt) return receipt
    this.#nonce = undefined
    throw new LedgerUnavailableError(
      `transaction ${hash} not final after ${this.#timeout} ms; submitting the same operations again is safe`,
    )
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

  async #anchoredAt(operations: readonly EncodedOperation[]): Promise<{ height: number; position: number }[]> {
    const out: { height: number; position: number }[] = []
    for (let i = 0; i < operations.length; i += 1000) {
      const part = operations.slice(i, i + 1000)
      const args = [part.map((op) => keyOf(op.suffix)), part.map((op) => hexOf(op.digest))]
      const [blocks, positions] = (await this.#chain.view('anchoredAt', args)) as readonly [readonly bigint[], readonly number[]]
      blocks.forEach((b, j) => out.push({ height: Number(b), position: positions[j]! }))
    }
    return out
  }
}

/**
 * An upper bound of the gas an `anchor` call of the bundled registry uses for `operations`, so a
 * batch needs no `eth_estimateGas` (a second execution on the node). Per operation: two new storage
 * slots (22,100 each), the event (375 per topic, 8 per data byte), SHA-256 and keccak, calldata (at
 * most 16 per byte, or Prague's 40 per byte floor), and memory, which grows with the whole batch
 * (3 per word plus words² / 512). Checked against real gas use in test/ledger/evm.test.ts.
 */
function gasFor(operations: readonly EncodedOperation[]): bigint {
  let gas = 21_000 + 60_000
  let words = 0
  for (const op of operations) {
    const padded = Math.ceil(op.bytes.length / 32) * 32
    gas += 52_000 + 40 * (96 + padded) + 8 * (160 + padded) + 12 * (padded / 32)
    words += (3 * padded) / 32 + 16
  }
  gas += 3 * words + Math.ceil((words * words) / 512)
  return BigInt(gas)
}
