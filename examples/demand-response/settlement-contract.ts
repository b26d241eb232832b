/**
 * The settlement contract: turns the delivered response of an event's accepted bids into subsidies,
 * decides who is paid, and anchors the Merkle root of the settlement records on the ledger, so
 * anyone holding the records can prove them against the root and nobody can change one unnoticed.
 * Deterministic like the response contract: block time and height come in with the call.
 *
 * The rule (stated once, applied to every accepted bid), in integer arithmetic only:
 * - committed energy = bid capacity (kW) × event duration, in whole Wh: capacity × duration (s) / 3.6,
 *   rounded half to even (an event need not last whole hours: 1 kW for 90 minutes is 1,500 Wh);
 * - delivered energy (metered in whole kWh) below half the commitment earns nothing (an unreliable
 *   response is not paid); otherwise the payable energy is the delivered energy, up to the
 *   commitment (response beyond the bid was not asked for);
 * - subsidy = payable Wh × cleared price (fen per kWh) / 1,000, rounded half to even to whole fen
 *   (2,251.5 fen is 2,252, 2,254.5 is 2,254), the cleared price being the bid's own price (pay as
 *   bid), never above the event's cap. So every amount is whole fen, and anyone holding a record
 *   recomputes its subsidy from the record alone;
 * - the payee is the user the bid was for — or the aggregator that bid for it, when the role check
 *   for `settlement.receive` on the user's behalf passes at settlement time (the mandate must cover
 *   settlement, still be valid, and nothing in it revoked). Otherwise the user is paid directly.
 *
 * Only the root goes on the ledger. The records name participants and amounts: they stay with the
 * utility and the participants (here, in the run's JSON log).
 *
 * It uses only the package's public API, as an outside service would.
 */
import { createHash } from 'node:crypto'
import { anchorResource, checkRole, merkleRoot, type AnchorTarget, type GridResolver, type ReasonCode, type ResourceAuthor } from 'grid-did'
import type { BidDecision, Block, Delivery, Invitation } from './response-contract.js'

/** One settled bid: what is paid, to whom, and why. Flat, with whole numbers only, so its canonical JSON is plain. */
export interface SettlementRecord {
  event: string
  bid: number
  /** The bidder (the presentation's holder). */
  participant: string
  role: string
  /** The user (or production base) that shed the load. */
  actingFor: string
  payee: string
  /** `self`, `mandate` (the aggregator is paid), or `user:<reason codes>` when the aggregator's claim was refused. */
  payeeBasis: string
  /** Whole Wh (see the rule above). */
  committedWh: number
  /** As metered, whole kWh. */
  deliveredKwh: number
  /** Whole Wh. */
  payableWh: number
  /** Cleared price, fen per kWh. */
  priceFen: number
  subsidyFen: number
}

/** What the payee check said for a bid made under a mandate. */
export interface PayeeCheck {
  bid: number
  aggregator: string
  user: string
  allowed: boolean
  /** The role check's reason codes; `no-claim` when the aggregator made no payee claim. */
  reasons: (ReasonCode | 'no-claim')[]
}

/** The result of {@link SettlementContract.settle}. */
export interface Settlement {
  event: string
  records: SettlementRecord[]
  payeeChecks: PayeeCheck[]
  totalFen: number
  /** Hex RFC 6962 Merkle tree hash over the SHA-256 of each record's canonical JSON, in bid order. */
  merkleRoot: string
  /** The DID-linked resource holding the root. */
  resource: string
  /** The anchored version of it. */
  anchored: { versionId: number; cid: string; height: number }
  time: number
  height: number
}

/** Options of {@link SettlementContract}. */
export interface SettlementContractOptions {
  resolver: GridResolver
  trustRegistry: string
  /** This contract's address: the audience of payee claims. */
  address: string
  /** Who anchors the settlement roots (the utility: its update key or an `assertionMethod` key) and where. */
  publisher: ResourceAuthor & AnchorTarget
}

/** The resource type of an anchored settlement root. */
export const SETTLEMENT_ROOT_TYPE = 'GridSettlementRoot'

export class SettlementContract {
  readonly address: string
  readonly #options: SettlementContractOptions
  readonly #challenges = new Map<string, string>()

  constructor(options: SettlementContractOptions) {
    this.address = options.address
    this.#options = options
  }

  /** Opens an event's settlement: aggregators then claim payment with presentations bound to this challenge. */
  open(event: Invitation, block: Block): { audience: string; challenge: string } {
    const challenge = createHash('sha256').update(`${this.address}\n${event.id}\n${block.height}\n${block.time}`).digest('hex').slice(0, 32)
    this.#challenges.set(event.id, challenge)
    return { audience: this.address, challenge }
  }

  /**
   * Settles an event: one record per accepted bid with a delivery, payees decided by the role check,
   * and the records' Merkle root anchored as `<utility>/resources/settlement-<event>`.
   * @param claims the aggregators' payee presentations, by bid number
   */
  async settle(
    event: Invitation,
    bids: readonly BidDecision[],
    deliveries: ReadonlyMap<number, Delivery>,
    claims: ReadonlyMap<number, string>,
    block: Block,
  ): Promise<Settlement> {
    const challenge = this.#challenges.get(event.id)
    if (!challenge) throw new Error(`settlement of ${event.id} is not open`)
    if (block.time < event.end) throw new Error('an event is settled after it ends')
    const { resolver, trustRegistry, publisher } = this.#options
    const seconds = BigInt(event.end - event.start)
    const records: SettlementRecord[] = []
    const payeeChecks: PayeeCheck[] = []
    for (const bid of bids) {
      const delivery = deliveries.get(bid.n)
      if (!bid.accepted || bid.event !== event.id || !delivery) continue
      const participant = bid.holder!
      const actingFor = bid.actingFor!
      let payee = actingFor
      let payeeBasis = 'self'
      if (actingFor !== participant) {
        const claim = claims.get(bid.n)
        const decision = claim
          ? await checkRole(
              claim,
              { role: 'aggregator', action: 'settlement.receive', onBehalfOf: actingFor },
              { resolver, trustRegistry, audience: this.address, challenge, time: block.time, height: block.height },
            )
          : undefined
        const reasons: PayeeCheck['reasons'] = decision ? decision.reasons.map((r) => r.code) : ['no-claim']
        // The claim must come from the bidder itself: another aggregator's valid mandate is not this bid's.
        const allowed = decision?.allowed === true && decision.subject === participant
        payeeChecks.push({ bid: bid.n, aggregator: participant, user: actingFor, allowed, reasons })
        payee = allowed ? participant : actingFor
        payeeBasis = allowed ? 'mandate' : `user:${[...new Set(reasons)].join(',') || 'other-claimant'}`
      }
      const committedWh = divideHalfEven(BigInt(bid.capacityKw) * seconds * 5n, 18n) // kW × s / 3.6
      const deliveredWh = BigInt(delivery.deliveredKwh) * 1000n
      const payableWh = deliveredWh * 2n < committedWh ? 0n : deliveredWh < committedWh ? deliveredWh : committedWh
      const priceFen = Math.min(bid.priceFen, event.priceCapFen)
      records.push({
        event: event.id,
        bid: bid.n,
        participant,
        role: bid.role,
        actingFor,
        payee,
        payeeBasis,
        committedWh: whole(committedWh),
        deliveredKwh: delivery.deliveredKwh,
        payableWh: whole(payableWh),
        priceFen,
        subsidyFen: whole(divideHalfEven(payableWh * BigInt(priceFen), 1000n)),
      })
    }
    if (records.length === 0) throw new Error(`nothing to settle for ${event.id}`)
    const root = Buffer.from(merkleRoot(records.map(recordHash))).toString('hex')
    const totalFen = records.reduce((sum, r) => sum + r.subsidyFen, 0)
    const resourceId = `settlement-${event.id}`
    const version = await anchorResource(publisher, publisher, resourceId, SETTLEMENT_ROOT_TYPE, {
      type: SETTLEMENT_ROOT_TYPE,
      event: event.id,
      records: records.length,
      totalFen,
      merkleRoot: root,
      leaf: 'SHA-256 of the record as RFC 8785 canonical JSON',
      tree: 'RFC 6962 Merkle tree hash, records in bid order',
      settledAt: block.time,
      settledAtHeight: block.height,
    })
    return {
      event: event.id,
      records,
      payeeChecks,
      totalFen,
      merkleRoot: root,
      resource: `${publisher.did}/resources/${resourceId}`,
      anchored: { versionId: version.versionId, cid: version.cid, height: version.height },
      time: block.time,
      height: block.height,
    }
  }
}

/** `n / d` for n ≥ 0, d > 0, rounded to the nearest integer, ties to the even one. */
export function divideHalfEven(n: bigint, d: bigint): bigint {
  const q = n / d
  const twice = (n % d) * 2n
  return twice > d || (twice === d && q % 2n === 1n) ? q + 1n : q
}

function whole(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`${n} is beyond the safe integers`)
  return Number(n)
}

/**
 * A record's leaf: SHA-256 of its RFC 8785 canonical JSON. For a flat object of ASCII keys, strings
 * and whole numbers, that is `JSON.stringify` with the keys sorted.
 */
export function recordHash(record: SettlementRecord): Uint8Array {
  const canonical = JSON.stringify(Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1))))
  return new Uint8Array(createHash('sha256').update(canonical).digest())
}
