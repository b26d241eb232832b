import type { Address, Hex } from 'viem'
import { keccak256 } from '../peers/viem.js'
import type { LocalAccount } from 'viem/accounts'
import { LedgerUnavailableError } from '../../errors.js'
import { messageOf } from '../../lib/message.js'
import type { RegistryConnection } from './connection.js'
import { unavailable } from './rpc.js'

/** Limits and timing of a {@link TransactionSender}. */
export interface SenderOptions {
  /** Most transactions sent and not yet final at once. */
  inFlight: number
  /** How often to ask for a receipt. */
  pollIntervalMs: number
  /** How long one transaction may take to become final, recoveries included. */
  timeoutMs: number
  /** How long a transaction may go without a receipt before the sender asks whether the node still holds it. */
  recheckMs: number
}

/** One transaction to send: the sender signs it (legacy EIP-155, gas price 0) with a nonce of its own. */
export interface TransactionRequest {
  to: Address
  data: Hex
  gas: bigint
}

/** The final receipt of a sent transaction. */
export interface SentTransaction {
  hash: Hex
  nonce: number
  blockNumber: number
  /** `0x1` when it succeeded, `0x0` when it reverted. */
  status: Hex
  gasUsed: bigint
  /** How often it was sent again: dropped by the node (same bytes), or its nonce taken (signed anew). */
  resent: number
}

interface Signed {
  nonce: number
  raw: Hex
  hash: Hex
}

/** The node already holds this very transaction: sending it again changed nothing. */
const KNOWN = /already known|already imported|known transaction/i
/** The nonce went to another transaction: mined (too low) or waiting in the pool (replacement). */
const NONCE_TAKEN = /nonce too low|nonce.*(lower|below|already)|replacement|underpriced/i

/**
 * Sends transactions from one account with up to `inFlight` of them waiting for receipts at once.
 *
 * Nonces are the sender's own: assigned in call order, one `eth_sendRawTransaction` at a time (so a
 * send the node refuses consumes no nonce and leaves no gap), then receipts are awaited in
 * parallel. The depth is bounded by what the node keeps per sender: Besu's
 * `--tx-pool-max-future-by-sender` (default 200), geth's and GoQuorum's `--txpool.accountslots`
 * (16, the default depth here); anvil keeps any number.
 *
 * A transaction that has had no receipt for `recheckMs` is looked up on the node. When the node
 * knows it no more (dropped from the pool, a restart, a full pool), it is recovered: the same
 * signed bytes are sent again while its nonce is still unused; once another transaction has taken
 * the nonce (the account used elsewhere, a replacement in the pool), the same data is signed again
 * at a fresh nonce. Either is safe for the registry: the lost transaction was never mined, and an
 * operation anchored twice is skipped by the contract or by readers.
 */
export class TransactionSender {
  readonly #chain: RegistryConnection
  readonly #account: LocalAccount
  readonly #options: SenderOptions
  /** The next nonce to assign: above every nonce this sender has sent. */
  #next: number | undefined
  #sending: Promise<unknown> = Promise.resolve()
  #active = 0
  readonly #queue: (() => void)[] = []

  constructor(chain: RegistryConnection, account: LocalAccount, options: SenderOptions) {
    this.#chain = chain
    this.#account = account
    this.#options = options
  }

  /**
   * Signs and sends `request`, waits (in turn with the other callers, at most `inFlight` at once)
   * until it is final, and returns its receipt: success or revert alike.
   *
   * `group` ties requests together: when one of them fails, the group is aborted (before its slot
   * passes on), and a request of an aborted group still waiting for its turn is not sent.
   */
  async send(request: TransactionRequest, group?: AbortController): Promise<SentTransaction> {
    await this.#slot()
    try {
      group?.signal.throwIfAborted()
      return await this.#settle(request, await this.#broadcast(request, -1, group))
    } catch (err) {
      group?.abort(err)
      throw err
    } finally {
      this.#release()
    }
  }

  async #slot(): Promise<void> {
    if (this.#active < this.#options.inFlight) {
      this.#active++
      return
    }
    // The slot passes straight from the releasing caller to the first one waiting.
    await new Promise<void>((resolve) => this.#queue.push(resolve))
  }

  #release(): void {
    const next = this.#queue.shift()
    if (next) next()
    else this.#active--
  }

  /** Polls for the receipt of `tx` until final, recovering it when the node lost it. */
  async #settle(request: TransactionRequest, first: Signed): Promise<SentTransaction> {
    const { pollIntervalMs, recheckMs, timeoutMs } = this.#options
    const deadline = Date.now() + timeoutMs
    let tx = first
    let resent = 0
    let checked = Date.now()
    for (;;) {
      const receipt = (await this.#chain.rpc('eth_getTransactionReceipt', [tx.hash])) as {
        status: Hex
        blockNumber: Hex
        gasUsed: Hex
      } | null
      if (receipt && (await this.#final(Number(receipt.blockNumber)))) {
        return {
          hash: tx.hash,
          nonce: tx.nonce,
          blockNumber: Number(receipt.blockNumber),
          status: receipt.status,
          gasUsed: BigInt(receipt.gasUsed),
          resent,
        }
      }
      if (!receipt && Date.now() - checked >= recheckMs) {
        const again = await this.#recover(request, tx)
        if (again) {
          tx = again
          resent++
        }
        checked = Date.now()
      }
      if (Date.now() > deadline) {
        // Whatever became of it, the next transaction asks the node for the account's nonce.
        this.#next = undefined
        throw new LedgerUnavailableError(
          `transaction ${tx.hash} not final after ${timeoutMs} ms; submitting the same operations again is safe`,
        )
      }
      await new Promise((resolve) => setTimeout(resolve, pollIntervalMs))
    }
  }

  async #final(height: number): Promise<boolean> {
    const confirmations = this.#chain.confirmations
    return confirmations === 0 || Number(await this.#chain.rpc('eth_blockNumber', [])) - height >= confirmations
  }

  /**
   * Undefined while the node still knows `tx` (pending, or mined since the receipt was asked for);
   * otherwise the transaction now awaited in its place, after sending it again.
   */
  async #recover(request: TransactionRequest, tx: Signed): Promise<Signed | undefined> {
    if ((await this.#chain.rpc('eth_getTransactionByHash', [tx.hash])) !== null) return undefined
    const used = Number(await this.#chain.rpc('eth_getTransactionCount', [this.#account.address, 'latest']))
    if (used <= tx.nonce) {
      try {
        await this.#chain.request('eth_sendRawTransaction', [tx.raw])
        return tx
      } catch (cause) {
        if (KNOWN.test(messageOf(cause))) return tx
        if (!NONCE_TAKEN.test(messageOf(cause))) throw unavailable('eth_sendRawTransaction', cause)
      }
    }
    return this.#broadcast(request, tx.nonce)
  }

  /**
   * Signs and sends `request` at the next nonce above `after`, one send at a time. A refusal aborts
   * `group` at once, so the next send in line, if of the same group, does not go out.
   */
  #broadcast(request: TransactionRequest, after: number, group?: AbortController): Promise<Signed> {
    const run = this.#sending.then(async () => {
      group?.signal.throwIfAborted()
      try {
        return await this.#sign(request, after)
      } catch (err) {
        group?.abort(err)
        throw err
      }
    })
    this.#sending = run.catch(() => undefined)
    return run
  }

  async #sign(request: TransactionRequest, after: number): Promise<Signed> {
    const { chainId } = await this.#chain.init()
    for (let attempt = 1; ; attempt++) {
      if (this.#next === undefined || this.#next <= after) this.#next = Math.max(after + 1, await this.#pendingNonce())
      const nonce = this.#next
      const raw = await this.#account.signTransaction({
        type: 'legacy',
        chainId,
        nonce,
        gas: request.gas,
        gasPrice: 0n,
        to: request.to,
        data: request.data,
        value: 0n,
      })
      let hash: unknown
      try {
        hash = await this.#chain.request('eth_sendRawTransaction', [raw])
      } catch (cause) {
        const message = messageOf(cause)
        if (!KNOWN.test(message)) {
          // Another sender took this nonce: go past it and past what the node has seen of the account.
          if (attempt < 4 && NONCE_TAKEN.test(message)) {
            this.#next = Math.max(nonce + 1, await this.#pendingNonce())
            continue
          }
          throw unavailable('eth_sendRawTransaction', cause)
        }
      }
      this.#next = nonce + 1
      // The node's answer is the hash; hashing 100 KB of calldata again costs milliseconds.
      return { nonce, raw, hash: typeof hash === 'string' && /^0x[0-9a-f]{64}$/i.test(hash) ? (hash as Hex) : keccak256(raw) }
    }
  }

  async #pendingNonce(): Promise<number> {
    return Number(await this.#chain.rpc('eth_getTransactionCount', [this.#account.address, 'pending']))
  }
}
