/**
 * The market of `npm run demo -- --chain`: the Solidity demand-response and settlement contracts
 * (contracts/DemandResponse.sol, Settlement.sol) on the in-process chain of chain-world.ts. A bid
 * is the bidder's presentation, addressed to the contract (CAIP-10) with its challenge and bound to
 * the chain bid terms; the four attestors each run the role check on it at the finalized height and
 * sign; the bidder sends one `bid` transaction with the signatures it got. A role-check denial is
 * the attestors' refusal (the bid, sent anyway, reverts); the contract's own rules revert with
 * custom errors, decoded by name and reported with the embedded run's reason codes.
 *
 * It uses only the package's public API, as an outside service would.
 */
import { generatePrivateKey, privateKeyToAccount, type LocalAccount } from 'viem/accounts'
import type { Abi, Address, Hex } from 'viem'
import { anchorResource, createPresentation, termsDigest, type ResourceAuthor, type RoleName, type RoleRequirement } from 'grid-did'
import {
  DEMAND_RESPONSE_ARTIFACT,
  SETTLEMENT_ARTIFACT,
  capacityWatts,
  chainBidTerms,
  chainClaimTerms,
  chainSettlementRoot,
  consumerAudience,
  deployDemandResponse,
  deploySettlement,
  hashString,
  type ChainSettlementRecord,
  type RoleAttestation,
} from 'grid-did/gate'
import { chainReasons, revertReason } from './chain-reasons.js'
import { ChainWorld, type Collected, type Sent } from './chain-world.js'
import type { Bidder, BidAsk, ClaimOutcome, Market, MarketDecision, MarketSettlement, PreparedBid } from './market.js'
import type { Delivery, EventTerms, Invitation } from './response-contract.js'
import { SETTLEMENT_ROOT_TYPE, divideHalfEven, type PayeeCheck, type SettlementRecord } from './settlement-contract.js'

const DR_ABI = DEMAND_RESPONSE_ARTIFACT.abi as Abi
const SETTLEMENT_ABI = SETTLEMENT_ARTIFACT.abi as Abi
/** `GridDemandResponse.Role`, in enum order. */
const ROLE_INDEX: Record<RoleName, number> = { user: 0, aggregator: 1, 'production-base': 2 }

interface ChainPrepared extends PreparedBid {
  attestation: RoleAttestation
  collected: Collected
}

interface ChainEvent extends Invitation {
  eventId: Hex
}

export class ChainMarket implements Market {
  readonly kind = 'chain'
  readonly title: string
  readonly world: ChainWorld
  readonly ledgerFile: string
  readonly demandResponse: Address
  readonly settlement: Address
  readonly #now: () => number
  readonly #accounts = new Map<string, LocalAccount>()
  readonly #dids = new Map<Hex, string>()
  /** Accepted bids by their number in the contract. */
  readonly #accepted = new Map<number, MarketDecision>()
  readonly #deliveries: Delivery[] = []
  readonly #payeeChecks: PayeeCheck[] = []
  #attempts = 0
  #author: ResourceAuthor | undefined
  #trustRegistry = ''
  #event: ChainEvent | undefined
  #settlementChallenge = ''

  private constructor(world: ChainWorld, ledgerFile: string, now: () => number, demandResponse: Address, settlement: Address) {
    this.world = world
    this.ledgerFile = ledgerFile
    this.#now = now
    this.demandResponse = demandResponse
    this.settlement = settlement
    this.title = `in-process EVM dev chain ${world.chainId}, the utility's index of it at ${ledgerFile}`
  }

  /** Starts the chain at the story's time and deploys the registry, the gate and both contracts. */
  static async create(options: { dir: string; ledgerFile: string; now: () => number }): Promise<ChainMarket> {
    const world = await ChainWorld.create(options)
    try {
      const demandResponse = (await deployDemandResponse({ rpc: world.provider, account: world.operator, gate: world.gate })).address
      const settlement = (await deploySettlement({ rpc: world.provider, account: world.operator, gate: world.gate, demandResponse }))
        .address
      return new ChainMarket(world, options.ledgerFile, options.now, demandResponse, settlement)
    } catch (err) {
      await world.close()
      throw err
    }
  }

  get ledger() {
    return this.world.index
  }

  get resolver() {
    return this.world.resolver
  }

  async start(utility: ResourceAuthor, trustRegistry: string): Promise<Record<string, string>> {
    this.#author = utility
    this.#trustRegistry = trustRegistry
    const w = this.world
    return {
      chain: `eip155:${w.chainId}`,
      'did:grid registry': w.registry,
      'role gate': `${w.gate} (${w.threshold} of ${w.attestors.length} attestors, decisions at most ${w.maxAgeBlocks} blocks old)`,
      attestors: w.attestors.map((a) => a.address).join(', '),
      'demand response': this.demandResponse,
      settlement: this.settlement,
    }
  }

  async invite(event: EventTerms): Promise<Invitation> {
    const eventId = hashString(event.id)
    const sent = await this.#expect(
      this.world.transact(this.world.operator, this.demandResponse, DR_ABI, 'invite', [
        eventId,
        BigInt(event.bidsCloseAt),
        BigInt(event.start),
        BigInt(event.end),
        BigInt(event.priceCapFen),
      ]),
    )
    const challenge = (sent.events.find((e) => e.eventName === 'Invited')!.args.challenge as Hex).slice(2)
    this.#event = {
      ...event,
      eventId,
      invitedAt: this.#now(),
      invitedHeight: sent.blockNumber,
      audience: consumerAudience(this.world.chainId, this.demandResponse),
      challenge,
    }
    return this.#event
  }

  #terms(bidder: Bidder, ask: BidAsk) {
    const event = this.#current()
    return chainBidTerms({
      chainId: this.world.chainId,
      consumer: this.demandResponse,
      event: event.eventId,
      role: ask.role,
      actingFor: ask.onBehalfOf ?? bidder.did,
      capacityKw: ask.capacityKw,
      priceFen: ask.priceFen,
    })
  }

  present(bidder: Bidder, ask: BidAsk, credentials: string[]): Promise<string> {
    const event = this.#current()
    return createPresentation({
      holder: bidder.signer,
      credentials,
      audience: event.audience,
      challenge: event.challenge,
      issuedAt: this.#now(),
      binding: termsDigest(this.#terms(bidder, ask)),
    })
  }

  /** Asks the four attestors at the current finalized height; without their signatures, the bidder fills in the attestation itself. */
  async prepare(bidder: Bidder, ask: BidAsk, presentation: string): Promise<ChainPrepared> {
    const terms = this.#terms(bidder, ask)
    const requirement: RoleRequirement = {
      role: ask.role,
      action: 'response.bid',
      ...(ask.onBehalfOf ? { onBehalfOf: ask.onBehalfOf } : {}),
      capacityKw: ask.capacityKw,
    }
    const collected = await this.world.collect({
      presentation,
      requirement,
      trustRegistry: this.#trustRegistry,
      consumer: this.demandResponse,
      challenge: this.#current().challenge,
      terms,
    })
    const attestation =
      collected.attestation ??
      (await this.#unsigned(
        bidder.did,
        ask.onBehalfOf ?? bidder.did,
        ask.role,
        'response.bid',
        capacityWatts(ask.capacityKw),
        termsDigest(terms) as Hex,
        presentation,
        this.demandResponse,
        collected.height,
      ))
    return { bidder, ask, presentation, attestation, collected }
  }

  async send(prepared: PreparedBid, ask: BidAsk = prepared.ask): Promise<MarketDecision> {
    const bid = prepared as ChainPrepared
    const event = this.#current()
    const copied = ask !== prepared.ask
    const actingFor = ask.onBehalfOf ?? bid.bidder.did
    this.#dids.set(hashString(bid.bidder.did), bid.bidder.did)
    this.#dids.set(hashString(actingFor), actingFor)
    // A bidder sends as many signatures as the gate needs; a copy is sent by whoever copied it.
    const signatures = bid.collected.signatures.slice(0, this.world.threshold)
    const from = copied ? this.#account('eavesdropper') : this.#account(bid.bidder.key)
    const sent = await this.world.transact(from, this.demandResponse, DR_ABI, 'bid', [
      {
        eventId: event.eventId,
        role: ROLE_INDEX[ask.role],
        actingFor: hashString(actingFor),
        capacityKw: BigInt(ask.capacityKw),
        priceFen: BigInt(ask.priceFen),
      },
      bid.attestation,
      signatures,
    ])
    const reasons = chainReasons(bid.collected, sent)
    const accepted = sent.ok
    const chainBid = accepted ? Number(sent.events.find((e) => e.eventName === 'BidAccepted')!.args.n as bigint) : undefined
    const decision: MarketDecision = {
      n: ++this.#attempts,
      event: event.id,
      holder: bid.bidder.did,
      role: ask.role,
      actingFor,
      capacityKw: ask.capacityKw,
      priceFen: ask.priceFen,
      accepted,
      reasons,
      // What the attestors said for the terms sent: a copy under other terms carries no decision about them.
      roleCheckAllowed: signatures.length >= this.world.threshold && bid.attestation.terms === termsDigest(this.#terms(bid.bidder, ask)),
      time: this.#now(),
      height: bid.collected.height,
      ...(chainBid !== undefined ? { chainBid } : {}),
      transaction: sent.hash,
      gasUsed: sent.gasUsed,
      signatures: signatures.length,
      attested: bid.collected.signatures.length,
      refusals: bid.collected.refusals.length,
    }
    if (chainBid !== undefined) this.#accepted.set(chainBid, decision)
    return decision
  }

  async recordDelivery(bid: MarketDecision, deliveredKwh: number): Promise<Delivery> {
    if (bid.chainBid === undefined) throw new Error(`bid ${bid.n} was not accepted`)
    const sent = await this.#expect(
      this.world.transact(this.world.operator, this.demandResponse, DR_ABI, 'recordDelivery', [BigInt(bid.chainBid), BigInt(deliveredKwh)]),
    )
    const delivery: Delivery = { bid: bid.chainBid, deliveredKwh, time: this.#now(), height: sent.blockNumber }
    this.#deliveries.push(delivery)
    return delivery
  }

  async openSettlement(): Promise<void> {
    const sent = await this.#expect(
      this.world.transact(this.world.operator, this.settlement, SETTLEMENT_ABI, 'open', [this.#current().eventId]),
    )
    this.#settlementChallenge = (sent.events.find((e) => e.eventName === 'SettlementOpened')!.args.challenge as Hex).slice(2)
  }

  /** The aggregator's `settlement.receive` presentation, attested like a bid, then one `claim` transaction. */
  async claim(bid: MarketDecision, aggregator: Bidder, credentials: string[]): Promise<ClaimOutcome> {
    const n = bid.chainBid
    if (n === undefined || !bid.actingFor) throw new Error(`bid ${bid.n} was not accepted under a mandate`)
    const terms = chainClaimTerms({ chainId: this.world.chainId, consumer: this.settlement, event: this.#current().eventId, bid: n })
    const presentation = await createPresentation({
      holder: aggregator.signer,
      credentials,
      audience: consumerAudience(this.world.chainId, this.settlement),
      challenge: this.#settlementChallenge,
      issuedAt: this.#now(),
      binding: termsDigest(terms),
    })
    const requirement: RoleRequirement = { role: 'aggregator', action: 'settlement.receive', onBehalfOf: bid.actingFor }
    const collected = await this.world.collect({
      presentation,
      requirement,
      trustRegistry: this.#trustRegistry,
      consumer: this.settlement,
      challenge: this.#settlementChallenge,
      terms,
    })
    const attestation =
      collected.attestation ??
      (await this.#unsigned(
        aggregator.did,
        bid.actingFor,
        'aggregator',
        'settlement.receive',
        0n,
        termsDigest(terms) as Hex,
        presentation,
        this.settlement,
        collected.height,
      ))
    const signatures = collected.signatures.slice(0, this.world.threshold)
    const sent = await this.world.transact(this.#account(aggregator.key), this.settlement, SETTLEMENT_ABI, 'claim', [
      BigInt(n),
      attestation,
      signatures,
    ])
    const reasons = chainReasons(collected, sent)
    // As in the embedded settlement, the payee check's reasons are the role check's; the contract's only when the attestors signed.
    const checkReasons = reasons.some((r) => r.by === 'role-check') ? reasons.filter((r) => r.by === 'role-check') : reasons
    this.#payeeChecks.push({
      bid: n,
      aggregator: aggregator.did,
      user: bid.actingFor,
      allowed: sent.ok,
      reasons: checkReasons.map((r) => r.code) as PayeeCheck['reasons'],
    })
    return { bid: n, accepted: sent.ok, reasons, transaction: sent.hash, gasUsed: sent.gasUsed }
  }

  /**
   * Settles on chain, rebuilds the records from the contract's `Paid` events and what the bids and
   * deliveries say, checks that they give the root the contract stored, and anchors that root as
   * the utility's `settlement-<event>` resource, as the embedded settlement does.
   */
  async settle(): Promise<MarketSettlement> {
    const event = this.#current()
    const sent = await this.#expect(this.world.transact(this.world.operator, this.settlement, SETTLEMENT_ABI, 'settle', [event.eventId]))
    const settled = sent.events.find((e) => e.eventName === 'Settled')!.args as { merkleRoot: Hex; records: bigint; totalFen: bigint }
    const delivered = new Map(this.#deliveries.map((d) => [d.bid, d.deliveredKwh]))
    const seconds = BigInt(event.end - event.start)
    const records: SettlementRecord[] = []
    const chainRecords: ChainSettlementRecord[] = []
    for (const paid of sent.events.filter((e) => e.eventName === 'Paid')) {
      const { n, payee, viaMandate, payableWh, subsidyFen } = paid.args as {
        n: bigint
        payee: Hex
        viaMandate: boolean
        payableWh: bigint
        subsidyFen: bigint
      }
      const bid = this.#accepted.get(Number(n))!
      const participant = bid.holder!
      const actingFor = bid.actingFor!
      const check = this.#payeeChecks.find((c) => c.bid === Number(n))
      const record: SettlementRecord = {
        event: event.id,
        bid: Number(n),
        participant,
        role: bid.role,
        actingFor,
        payee: this.#dids.get(payee) ?? payee,
        payeeBasis: viaMandate
          ? 'mandate'
          : participant === actingFor
            ? 'self'
            : `user:${[...new Set(check?.reasons ?? ['no-claim'])].join(',')}`,
        committedWh: Number(divideHalfEven(BigInt(bid.capacityKw) * seconds * 5n, 18n)),
        deliveredKwh: delivered.get(Number(n))!,
        payableWh: Number(payableWh),
        priceFen: Math.min(bid.priceFen, event.priceCapFen),
        subsidyFen: Number(subsidyFen),
      }
      records.push(record)
      chainRecords.push({
        eventId: event.eventId,
        bid: record.bid,
        participant: hashString(participant),
        role: bid.role,
        actingFor: hashString(actingFor),
        payee,
        viaMandate,
        committedWh: record.committedWh,
        deliveredKwh: record.deliveredKwh,
        payableWh: record.payableWh,
        priceFen: record.priceFen,
        subsidyFen: record.subsidyFen,
      })
    }
    // Anyone holding the records re-derives the contract's root: here, before anchoring it.
    if (chainSettlementRoot(chainRecords) !== settled.merkleRoot)
      throw new Error(`the records rebuilt from the chain do not give its root ${settled.merkleRoot}`)
    const stored = (await this.world.read(this.settlement, SETTLEMENT_ABI, 'roots', [event.eventId])) as Hex
    const merkleRoot = settled.merkleRoot.slice(2)
    const totalFen = Number(settled.totalFen)
    const publisher = { ...this.#author!, ledger: this.world.index, resolver: this.world.resolver }
    const resourceId = `settlement-${event.id}`
    const version = await anchorResource(publisher, publisher, resourceId, SETTLEMENT_ROOT_TYPE, {
      type: SETTLEMENT_ROOT_TYPE,
      event: event.id,
      records: records.length,
      totalFen,
      merkleRoot,
      leaf: 'keccak256(abi.encode(GridSettlement.Record)), then SHA-256(0x00 ‖ it)',
      tree: 'RFC 6962 Merkle tree hash, records in bid order',
      settledAt: this.#now(),
      settledAtHeight: sent.blockNumber,
      chain: { chainId: this.world.chainId, settlement: this.settlement, eventId: event.eventId, transaction: sent.hash },
    })
    return {
      event: event.id,
      records,
      payeeChecks: [...this.#payeeChecks],
      totalFen,
      merkleRoot,
      resource: `${publisher.did}/resources/${resourceId}`,
      anchored: { versionId: version.versionId, cid: version.cid, height: version.height },
      time: this.#now(),
      height: sent.blockNumber,
      chainRecords,
      chainRoot: stored.slice(2),
      transaction: sent.hash,
      gasUsed: sent.gasUsed,
      contract: this.settlement,
    }
  }

  get deliveries(): readonly Delivery[] {
    return this.#deliveries
  }

  close(): Promise<void> {
    return this.world.close()
  }

  /** What a bidder without signatures sends: the attestation as the attestors would have written it, unsigned. */
  async #unsigned(
    subject: string,
    actingFor: string,
    role: RoleName,
    action: string,
    capacityW: bigint,
    terms: Hex,
    presentation: string,
    consumer: Address,
    height: number,
  ): Promise<RoleAttestation> {
    return {
      consumer,
      subject: hashString(subject),
      actingFor: hashString(actingFor),
      role: hashString(role),
      action: hashString(action),
      capacityW,
      licensedW: 0n,
      terms,
      presentation: hashString(presentation),
      height: BigInt(height),
      expiry: BigInt(this.#now() + this.world.ttlSeconds),
    }
  }

  /** Each participant sends from its own EVM account (gas price 0: no ether needed). */
  #account(key: string): LocalAccount {
    let account = this.#accounts.get(key)
    if (!account) this.#accounts.set(key, (account = privateKeyToAccount(generatePrivateKey())))
    return account
  }

  /** The utility's own transactions must go through: a revert there is a bug of the run, not a story outcome. */
  async #expect(sending: Promise<Sent>): Promise<Sent> {
    const sent = await sending
    if (!sent.ok) throw new Error(`transaction ${sent.hash} reverted: ${sent.revert ? revertReason(sent.revert).message : 'no reason'}`)
    return sent
  }

  #current(): ChainEvent {
    if (!this.#event) throw new Error('no event invited yet')
    return this.#event
  }
}
