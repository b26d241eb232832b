/**
 * A dev chain (real EVM, EDR) with the role gate (four attestors, threshold three), the reference
 * demand-response contract and the settlement contract, deployed with the package's own deploy
 * functions; the chain's clock is set explicitly before every transaction. Shared by
 * demand-response-contract.test.ts and settlement-contract.test.ts.
 */
import {
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeFunctionData,
  getAddress,
  keccak256,
  toHex,
  type Abi,
  type Address,
  type Hex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { expect } from 'vitest'
import {
  DEMAND_RESPONSE_ARTIFACT,
  GATE_ARTIFACT,
  ROLE_ATTESTATION_TYPES,
  SETTLEMENT_ARTIFACT,
  chainBidTerms,
  chainClaimTerms,
  deployDemandResponse,
  deployGate,
  deploySettlement,
  roleAttestationTypedData,
  type RoleAttestation,
} from 'grid-did/gate'
import { createDevChain, type DevChain } from 'grid-did/ledger/devchain'
import { termsDigest, type RoleName } from '../../src/index.js'

// Fixed test keys (never used anywhere but this dev chain).
const key = (byte: string): Hex => `0x${byte.repeat(32)}`
export const ADMIN = key('a1')
export const OPERATOR = key('d1')
export const BIDDER = key('b1')
export const OUTSIDER = key('0e')
export const ATTESTORS = [key('11'), key('22'), key('33'), key('44')] as const
export const addr = (k: Hex): Address => privateKeyToAccount(k).address
export const h = (text: string): Hex => keccak256(toHex(text))

/** 2027-01-01T00:00:00Z: the chain's genesis. */
export const T0 = 1_798_761_600
export const ROLE_INDEX: Record<RoleName, number> = { user: 0, aggregator: 1, 'production-base': 2 }

export interface Sent {
  status: Hex
  gasUsed: bigint
  blockNumber: bigint
  events: { address: Address; eventName: string; args: Record<string, unknown> }[]
}

export interface Bid {
  eventId: Hex
  role: number
  actingFor: Hex
  capacityKw: bigint
  priceFen: bigint
}

export class ChainWorld {
  /** The chain's clock: every transaction is mined at `now` (or later, when a test moves it). */
  now = T0 + 60
  private serial = 0
  readonly abis = new Map<string, Abi>()

  private constructor(
    readonly chain: DevChain,
    readonly gate: Address,
    readonly dr: Address,
    readonly settlement: Address,
  ) {
    this.abis.set(gate.toLowerCase(), GATE_ARTIFACT.abi as Abi)
    this.abis.set(dr.toLowerCase(), DEMAND_RESPONSE_ARTIFACT.abi as Abi)
    this.abis.set(settlement.toLowerCase(), SETTLEMENT_ARTIFACT.abi as Abi)
  }

  static async create(): Promise<ChainWorld> {
    const chain = await createDevChain({ initialTimestamp: T0 })
    const attestors = ATTESTORS.map(addr)
    const { address: gate } = await deployGate({ rpc: chain, account: ADMIN, attestors, threshold: 3, maxAgeBlocks: 100 })
    const { address: dr } = await deployDemandResponse({ rpc: chain, account: OPERATOR, gate })
    const { address: settlement } = await deploySettlement({ rpc: chain, account: OPERATOR, gate, demandResponse: dr })
    return new ChainWorld(chain, gate, dr, settlement)
  }

  close(): Promise<void> {
    return this.chain.close()
  }

  /** Sends a transaction from `from` to `to`, mined at `this.now`; its receipt with decoded events. */
  async send(from: Hex, to: Address, functionName: string, args: readonly unknown[] = []): Promise<Sent> {
    const account = privateKeyToAccount(from)
    const data = encodeFunctionData({ abi: this.abiOf(to), functionName, args } as never)
    await this.chain.request({ method: 'evm_setNextBlockTimestamp', params: [toHex(this.now)] })
    const nonce = Number(await this.chain.request({ method: 'eth_getTransactionCount', params: [account.address, 'pending'] }))
    const raw = await account.signTransaction({
      type: 'legacy',
      chainId: this.chain.chainId,
      nonce,
      gas: 10_000_000n,
      gasPrice: 0n,
      to,
      data,
      value: 0n,
    })
    const hash = (await this.chain.request({ method: 'eth_sendRawTransaction', params: [raw] })) as Hex
    const receipt = (await this.chain.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as {
      status: Hex
      gasUsed: Hex
      blockNumber: Hex
      logs: { address: Hex; topics: [Hex, ...Hex[]]; data: Hex }[]
    }
    return {
      status: receipt.status,
      gasUsed: BigInt(receipt.gasUsed),
      blockNumber: BigInt(receipt.blockNumber),
      events: receipt.logs.map((log) => {
        const decoded = decodeEventLog({ abi: this.abiOf(log.address), topics: log.topics, data: log.data }) as unknown as {
          eventName: string
          args: Record<string, unknown>
        }
        return { address: getAddress(log.address), eventName: decoded.eventName, args: { ...decoded.args } }
      }),
    }
  }

  /** Sends a transaction that must succeed. */
  async ok(from: Hex, to: Address, functionName: string, args: readonly unknown[] = []): Promise<Sent> {
    const sent = await this.send(from, to, functionName, args)
    expect(sent.status, `${functionName} reverted`).toBe('0x1')
    return sent
  }

  async call(to: Address, functionName: string, args: readonly unknown[] = [], from?: Hex): Promise<unknown> {
    const data = encodeFunctionData({ abi: this.abiOf(to), functionName, args } as never)
    const result = (await this.chain.request({
      method: 'eth_call',
      params: [{ ...(from ? { from: addr(from) } : {}), to, data }, 'latest'],
    })) as Hex
    return decodeFunctionResult({ abi: this.abiOf(to), functionName, data: result } as never)
  }

  /**
   * A transaction that must revert: `eth_call` on the pending block (mined at `this.now`, the next
   * height) gives its custom error, decoded with the contract's ABI (which lists the gate's errors
   * too); then the transaction itself is mined at `this.now` with status 0 and no events.
   */
  async reverts(
    from: Hex,
    to: Address,
    functionName: string,
    args: readonly unknown[] = [],
  ): Promise<{ errorName: string; args: readonly unknown[] }> {
    const data = encodeFunctionData({ abi: this.abiOf(to), functionName, args } as never)
    await this.chain.request({ method: 'evm_setNextBlockTimestamp', params: [toHex(this.now)] })
    let caught: unknown
    try {
      await this.chain.request({ method: 'eth_call', params: [{ from: addr(from), to, data, gas: toHex(10_000_000) }, 'pending'] })
    } catch (err) {
      caught = err
    }
    expect(caught, `${functionName} did not revert`).toBeInstanceOf(Error)
    const err = caught as Error & { code?: unknown; data?: unknown }
    expect(err.code).toBe(3)
    expect(err.data).toMatch(/^0x[0-9a-f]{8}/)
    const sent = await this.send(from, to, functionName, args)
    expect(sent.status).toBe('0x0')
    expect(sent.events).toEqual([])
    const { errorName, args: decoded } = decodeErrorResult({ abi: this.abiOf(to), data: err.data as Hex })
    return { errorName, args: decoded ?? [] }
  }

  /** Mines `n` empty blocks at `this.now` (the clock unmoved, so later transactions may still use it). */
  async mine(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      await this.chain.request({ method: 'evm_setNextBlockTimestamp', params: [toHex(this.now)] })
      await this.chain.request({ method: 'evm_mine', params: [] })
    }
  }

  async head(): Promise<{ number: bigint; timestamp: bigint }> {
    const block = (await this.chain.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as {
      number: Hex
      timestamp: Hex
    }
    return { number: BigInt(block.number), timestamp: BigInt(block.timestamp) }
  }

  /** Invites an event whose bids close in an hour, starting an hour later and lasting `seconds`. */
  async invite(
    label: string,
    seconds: number,
    priceCapFen = 1500,
  ): Promise<{ eventId: Hex; closeAt: number; start: number; end: number; cap: number; sent: Sent }> {
    const eventId = h(label)
    const closeAt = this.now + 3600
    const start = closeAt + 3600
    const end = start + seconds
    const sent = await this.ok(OPERATOR, this.dr, 'invite', [eventId, BigInt(closeAt), BigInt(start), BigInt(end), BigInt(priceCapFen)])
    return { eventId, closeAt, start, end, cap: priceCapFen, sent }
  }

  /**
   * A bid and its attestation, signed by `signers` (default: three of the four attestors), as honest
   * attestors would sign it for a presentation bound to `chainBidTerms(bid)`. `overrides` change the
   * attestation after the terms' digest is computed (to forge mismatches).
   */
  async bid(
    input: { eventId: Hex; role: RoleName; subject: string; actingFor?: string; capacityKw: number; priceFen: number; licensedKw?: number },
    overrides: Partial<RoleAttestation> = {},
    signers: readonly Hex[] = ATTESTORS.slice(0, 3),
  ): Promise<{ b: Bid; a: RoleAttestation; sigs: Hex[] }> {
    const actingFor = input.actingFor ?? input.subject
    const terms = chainBidTerms({
      chainId: this.chain.chainId,
      consumer: this.dr,
      event: input.eventId,
      role: input.role,
      actingFor,
      capacityKw: input.capacityKw,
      priceFen: input.priceFen,
    })
    const b: Bid = {
      eventId: input.eventId,
      role: ROLE_INDEX[input.role],
      actingFor: h(actingFor),
      capacityKw: BigInt(input.capacityKw),
      priceFen: BigInt(input.priceFen),
    }
    const height = (await this.head()).number
    const a: RoleAttestation = {
      consumer: this.dr,
      subject: h(input.subject),
      actingFor: h(actingFor),
      role: h(input.role),
      action: h('response.bid'),
      capacityW: BigInt(input.capacityKw) * 1000n,
      licensedW: BigInt(input.licensedKw ?? 0) * 1000n,
      terms: termsDigest(terms) as Hex,
      presentation: h(`presentation-${this.serial++}`),
      height,
      expiry: BigInt(this.now + 86_400 * 30),
      ...overrides,
    }
    return { b, a, sigs: await this.sign(a, signers) }
  }

  /** An aggregator's `settlement.receive` attestation for bid `n` of `eventId`, addressed to the settlement contract. */
  async claim(
    input: { eventId: Hex; n: number; subject: string; actingFor: string },
    overrides: Partial<RoleAttestation> = {},
    signers: readonly Hex[] = ATTESTORS.slice(0, 3),
  ): Promise<{ a: RoleAttestation; sigs: Hex[] }> {
    const terms = chainClaimTerms({ chainId: this.chain.chainId, consumer: this.settlement, event: input.eventId, bid: input.n })
    const a: RoleAttestation = {
      consumer: this.settlement,
      subject: h(input.subject),
      actingFor: h(input.actingFor),
      role: h('aggregator'),
      action: h('settlement.receive'),
      capacityW: 0n,
      licensedW: 50_000_000n,
      terms: termsDigest(terms) as Hex,
      presentation: h(`presentation-${this.serial++}`),
      height: (await this.head()).number,
      expiry: BigInt(this.now + 86_400 * 30),
      ...overrides,
    }
    return { a, sigs: await this.sign(a, signers) }
  }

  sign(a: RoleAttestation, signers: readonly Hex[] = ATTESTORS.slice(0, 3)): Promise<Hex[]> {
    const typed = roleAttestationTypedData({ chainId: this.chain.chainId, gate: this.gate }, a)
    return Promise.all(signers.map((s) => privateKeyToAccount(s).signTypedData({ ...typed, types: ROLE_ATTESTATION_TYPES })))
  }

  private abiOf(address: string): Abi {
    const abi = this.abis.get(address.toLowerCase())
    if (!abi) throw new Error(`no ABI for ${address}`)
    return abi
  }
}
