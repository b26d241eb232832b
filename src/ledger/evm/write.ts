import { decodeErrorResult, encodeFunctionData, type Address, type Hex } from 'viem'
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
import { chunksFor } from './gas.js'

/** Limits and timing of a {@link RegistryWriter}. */
export interface WriterOptions {
  maxOperations: number
  maxTransactionGas: number
  pollIntervalMs: number
  timeoutMs: number
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
  readonly #poll: number
  readonly #timeout: number
  #nonce: number | undefined
  #tail: Promise<unknown> = Promise.resolve()

  constructor(chain: RegistryConnection, reader: RegistryReader, account: LocalAccount | undefined, options: WriterOptions) {
    this.#chain = chain
    this.#reader = reader
    this.#account = account
    this.#maxOperations = options.maxOperations
    this.#maxGas = options.maxTransactionGas
    this.#poll = options.pollIntervalMs
    this.#timeout = options.timeoutMs
  }

  async submit(operations: readonly Submittable[]): Promise<Receipt[]> {
    const { unique, indexOf } = admitBatch(operations)
    // The operations were just checked: reading them back from the chain need not check them again.
    const known = new Map(unique.map((op) => [hexOf(op.digest), op]))
    const receipts = await this.#serial(async () => {
      // Where each operation already is: found in its key's change chain (a re-submission after a
      // timeout, or another writer's), or nowhere yet.
      const lasts = await this.#lasts(unique)
      const where = await this.#reader.locate(unique, lasts)
      const fresh = unique.filter((_, i) => where[i]!.height === 0)
      if (fresh.length > 0) {
        if (!this.#account)
          throw new LedgerForbiddenError(
            'no writer account: pass { account } (CLI: --writer-key FILE or $GRID_DID_WRITER_KEY) to anchor operations',
          )
        await this.#checkWriter()
        const blocks = new Set<number>()
        const newKeys = unique.flatMap((_, i) => (where[i]!.height === 0 ? [lasts[i] === 0] : []))
        for (const { operations: chunk, gas } of chunksFor(fresh, newKeys, this.#maxGas, this.#maxOperations)) {
          const data = encodeFunctionData({
            abi: ABI,
            functionName: 'anchor',
            args: [chunk.map((op) => keyOf(op.suffix)), chunk.map((op) => hexOf(op.bytes))],
          })
          blocks.add(await this.#transact(data, BigInt(gas)))
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
        const elsewhere = unique.flatMap((_, i) => (where[i]!.height === 0 ? [unique[i]!] : []))
        if (elsewhere.length > 0) {
          const found = await this.#reader.locate(elsewhere, await this.#lasts(elsewhere))
          for (const [j, op] of elsewhere.entries()) where[unique.indexOf(op)] = found[j]!
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
