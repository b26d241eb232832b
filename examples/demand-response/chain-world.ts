/**
 * The chain the `--chain` story runs on: an in-process EVM dev chain whose block times follow the
 * story's clock, the did:grid registry written by the utility, the role gate, and four consortium
 * attestors, each following the chain through its own index (its own SQLite file) and signing with
 * its own EVM account. Nothing here knows the demand-response story: chain-market.ts tells it.
 *
 * It uses only the package's public API, as an outside service would.
 */
import { join } from 'node:path'
import { decodeErrorResult, decodeEventLog, decodeFunctionResult, encodeFunctionData, type Abi, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type LocalAccount } from 'viem/accounts'
import { GridResolver, type RoleRequirement } from 'grid-did'
import {
  AttestationRefusedError,
  attestRole,
  consumerAudience,
  deployGate,
  roleAttestationDigest,
  type RoleAttestation,
  type SignedAttestation,
} from 'grid-did/gate'
import { createDevChain, type DevChain } from 'grid-did/ledger/devchain'
import { EvmLedger, deployRegistry, type Eip1193Provider } from 'grid-did/ledger/evm'
import { ChainIndex } from 'grid-did/ledger/sqlite'

/** Options of {@link ChainWorld.create}. */
export interface ChainWorldOptions {
  /** The run's directory: the utility's index is `ledgerFile`, each attestor's `attestor-<n>.db` beside it. */
  dir: string
  ledgerFile: string
  /** The story's clock: the genesis time, and the timestamp of every block mined. */
  now: () => number
  attestors?: number
  threshold?: number
  /** Blocks a decision may lag the block that uses it (the gate's freshness bound). */
  maxAgeBlocks?: number
  /** Seconds an attestation stays valid after its block's time. */
  ttlSeconds?: number
}

/** A mined transaction: its gas, its events (decoded), or the custom error it reverted with. */
export interface Sent {
  hash: Hex
  ok: boolean
  gasUsed: number
  blockNumber: number
  events: { eventName: string; args: Record<string, unknown> }[]
  revert?: { errorName: string; args: readonly unknown[] }
}

/** What one round of asking the attestors gave: the agreed attestation with its signatures, and every refusal. */
export interface Collected {
  /** The attestation the signers agreed on (undefined when nobody signed). */
  attestation?: RoleAttestation
  /** Signatures over it, one per signer, in attestor order. */
  signatures: Hex[]
  signers: Address[]
  refusals: { attestor: Address; reasons: readonly { code: string; message: string }[]; height: number }[]
  height: number
}

/** One consortium member's attestor: its own index of the chain, its own resolver, its own key. */
class Attestor {
  readonly index: ChainIndex
  readonly resolver: GridResolver
  readonly account: LocalAccount

  constructor(file: string, provider: Eip1193Provider, registry: Address) {
    this.account = privateKeyToAccount(generatePrivateKey())
    this.index = new ChainIndex(file, new EvmLedger({ rpc: provider, registry }), { create: true })
    this.resolver = new GridResolver({ networks: { sgcc: this.index } })
  }

  get address(): Address {
    return this.account.address
  }

  /**
   * Follows the chain to its finalized head, then decides there, with that block's time, and signs
   * when the role is proven: every honest attestor given the same request signs the same bytes.
   */
  async attest(world: ChainWorld, request: AttestationRequest): Promise<SignedAttestation> {
    await this.index.sync()
    const { height, time } = await this.index.head()
    return attestRole({
      presentation: request.presentation,
      requirement: request.requirement,
      context: {
        resolver: this.resolver,
        trustRegistry: request.trustRegistry,
        audience: consumerAudience(world.chainId, request.consumer),
        challenge: request.challenge,
      },
      terms: request.terms,
      height,
      time,
      consumer: request.consumer,
      chainId: world.chainId,
      gate: world.gate,
      expiry: time + world.ttlSeconds,
      account: this.account,
    })
  }
}

/** What a bidder (or claimant) asks every attestor. */
export interface AttestationRequest {
  presentation: string
  requirement: RoleRequirement
  trustRegistry: string
  /** The consuming contract. */
  consumer: Address
  /** The contract's challenge, 32 lowercase hex digits. */
  challenge: string
  terms: { readonly [key: string]: unknown }
}

interface WorldFields {
  chain: DevChain
  provider: Eip1193Provider
  registry: Address
  gate: Address
  threshold: number
  maxAgeBlocks: number
  ttlSeconds: number
  index: ChainIndex
  attestors: Attestor[]
  operator: LocalAccount
  now: () => number
}

export class ChainWorld {
  readonly chain: DevChain
  /** The chain as every party here talks to it: each transaction is mined at the story's time. */
  readonly provider: Eip1193Provider
  readonly chainId: number
  readonly registry: Address
  readonly gate: Address
  readonly threshold: number
  readonly maxAgeBlocks: number
  readonly ttlSeconds: number
  /** The utility's index of the chain (it writes through it): the story's ledger. */
  readonly index: ChainIndex
  readonly resolver: GridResolver
  readonly attestors: readonly Attestor[]
  /** The utility's dispatch account: it deploys and operates the demand-response and settlement contracts. */
  readonly operator: LocalAccount
  readonly #now: () => number

  private constructor(f: WorldFields) {
    this.chain = f.chain
    this.provider = f.provider
    this.chainId = f.chain.chainId
    this.registry = f.registry
    this.gate = f.gate
    this.threshold = f.threshold
    this.maxAgeBlocks = f.maxAgeBlocks
    this.ttlSeconds = f.ttlSeconds
    this.index = f.index
    this.resolver = new GridResolver({ networks: { sgcc: f.index } })
    this.attestors = f.attestors
    this.operator = f.operator
    this.#now = f.now
  }

  static async create(options: ChainWorldOptions): Promise<ChainWorld> {
    const { dir, ledgerFile, now } = options
    const threshold = options.threshold ?? 3
    const maxAgeBlocks = options.maxAgeBlocks ?? 20
    const chain = await createDevChain({ initialTimestamp: now() })
    // Every transaction lands in a block stamped with the story's time (never earlier than the last block).
    const provider: Eip1193Provider = {
      async request(args) {
        if (args.method === 'eth_sendRawTransaction') await chain.request({ method: 'evm_setNextBlockTimestamp', params: [now()] })
        return chain.request(args)
      },
    }
    try {
      // Separate keys for separate jobs: the registry writer's nonces belong to its EvmLedger alone.
      const writer = privateKeyToAccount(generatePrivateKey())
      const gateAdmin = privateKeyToAccount(generatePrivateKey())
      const operator = privateKeyToAccount(generatePrivateKey())
      const registry = (await deployRegistry({ rpc: provider, account: writer })).address
      // The utility writes through its own ChainIndex rather than a bare EvmLedger: onboarding resolves
      // every subject and status list, and those reads (and the --serve endpoint's) come from SQLite
      // instead of eth_getLogs walks; it is also what a utility runs beside its node.
      const index = new ChainIndex(ledgerFile, new EvmLedger({ rpc: provider, registry, account: writer }), { create: true })
      const attestors = Array.from(
        { length: options.attestors ?? 4 },
        (_, i) => new Attestor(join(dir, `attestor-${i + 1}.db`), provider, registry),
      )
      const gate = (
        await deployGate({ rpc: provider, account: gateAdmin, attestors: attestors.map((a) => a.address), threshold, maxAgeBlocks })
      ).address
      return new ChainWorld({
        chain,
        provider,
        registry,
        gate,
        threshold,
        maxAgeBlocks,
        ttlSeconds: options.ttlSeconds ?? 600,
        index,
        attestors,
        operator,
        now,
      })
    } catch (err) {
      await chain.close()
      throw err
    }
  }

  /** Mines an empty block at the story's time: the finalized block a decision taken now is taken at. */
  async mineAt(): Promise<number> {
    await this.chain.request({ method: 'evm_mine', params: [this.#now()] })
    return Number(await this.chain.request({ method: 'eth_blockNumber', params: [] }))
  }

  /**
   * Signs and sends one call from `from` (gas price 0, a fixed gas limit so a call that reverts is
   * still mined), and reads back its receipt; a revert's custom error comes from the node's trace
   * of the mined transaction, decoded with `abi`.
   */
  async transact(from: LocalAccount, to: Address, abi: Abi, functionName: string, args: readonly unknown[]): Promise<Sent> {
    const data = encodeFunctionData({ abi, functionName, args } as never)
    const request = (method: string, params: readonly unknown[]) => this.provider.request({ method, params })
    const nonce = Number(await request('eth_getTransactionCount', [from.address, 'pending']))
    const raw = await from.signTransaction({
      type: 'legacy',
      chainId: this.chainId,
      nonce,
      gas: 20_000_000n,
      gasPrice: 0n,
      to,
      data,
      value: 0n,
    })
    const hash = (await request('eth_sendRawTransaction', [raw])) as Hex
    const receipt = (await request('eth_getTransactionReceipt', [hash])) as {
      status: Hex
      gasUsed: Hex
      blockNumber: Hex
      logs: { address: Hex; topics: [Hex, ...Hex[]]; data: Hex }[]
    } | null
    if (!receipt) throw new Error(`transaction ${hash} was not mined`)
    const sent: Sent = {
      hash,
      ok: receipt.status === '0x1',
      gasUsed: Number(receipt.gasUsed),
      blockNumber: Number(receipt.blockNumber),
      events: [],
    }
    for (const log of receipt.logs) {
      try {
        const { eventName, args: decoded } = decodeEventLog({ abi, topics: log.topics, data: log.data })
        if (eventName) sent.events.push({ eventName, args: { ...(decoded as unknown as Record<string, unknown>) } })
      } catch {
        // Another contract's event (the gate's RoleAttested): not ours to decode here.
      }
    }
    if (!sent.ok) {
      const trace = (await request('debug_traceTransaction', [
        hash,
        { disableStack: true, disableMemory: true, disableStorage: true },
      ])) as { returnValue?: string }
      const value = trace.returnValue ?? ''
      const revertData = (value.startsWith('0x') ? value : `0x${value}`) as Hex
      try {
        const { errorName, args: decoded } = decodeErrorResult({ abi, data: revertData })
        sent.revert = { errorName: errorName ?? 'UnknownError', args: decoded ?? [] }
      } catch {
        sent.revert = { errorName: revertData === '0x' ? 'Reverted' : 'UnknownError', args: [revertData] }
      }
    }
    return sent
  }

  /** Reads a view of a contract at the latest block. */
  async read(to: Address, abi: Abi, functionName: string, args: readonly unknown[]): Promise<unknown> {
    const data = encodeFunctionData({ abi, functionName, args } as never)
    const result = (await this.provider.request({ method: 'eth_call', params: [{ to, data }, 'latest'] })) as Hex
    return decodeFunctionResult({ abi, functionName, data: result } as never)
  }

  /**
   * Asks every attestor at once. A refusal is a denial with reasons; any other failure (an index
   * that cannot reach the chain) is an outage and throws: it is never reported as a denial.
   */
  async collect(request: AttestationRequest): Promise<Collected> {
    const height = await this.mineAt()
    const answers = await Promise.allSettled(this.attestors.map((a) => a.attest(this, request)))
    const signed: SignedAttestation[] = []
    const refusals: Collected['refusals'] = []
    answers.forEach((answer, i) => {
      if (answer.status === 'fulfilled') signed.push(answer.value)
      else if (answer.reason instanceof AttestationRefusedError) {
        refusals.push({ attestor: this.attestors[i]!.address, reasons: answer.reason.reasons, height: answer.reason.height })
      } else throw answer.reason
    })
    // Honest attestors at one height sign the same bytes; keep the largest agreeing group.
    const groups = new Map<Hex, SignedAttestation[]>()
    for (const s of signed) {
      const digest = roleAttestationDigest({ chainId: this.chainId, gate: this.gate }, s.attestation)
      groups.set(digest, [...(groups.get(digest) ?? []), s])
    }
    const agreed = [...groups.values()].sort((a, b) => b.length - a.length)[0] ?? []
    return {
      ...(agreed[0] ? { attestation: agreed[0].attestation } : {}),
      signatures: agreed.map((s) => s.signature),
      signers: agreed.map((s) => s.attestor),
      refusals,
      height,
    }
  }

  async close(): Promise<void> {
    for (const a of this.attestors) await a.index.close()
    await this.index.close()
    await this.chain.close()
  }
}
