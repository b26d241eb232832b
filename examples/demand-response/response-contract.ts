/**
 * The demand-response contract, as a module a validator would run: it invites bids for an event,
 * accepts or rejects each bid, and records the response delivered. Deterministic: every decision
 * depends only on its inputs, the contract's own state, and the ledger read at the block's height —
 * the block's time and height come in with each call, never from the wall clock.
 *
 * It uses only the package's public API, as an outside service would.
 */
import { createHash } from 'node:crypto'
import { checkRole, termsDigest, type GridResolver, type ReasonCode, type RoleName } from 'grid-did'

/** The block a call is executed in. */
export interface Block {
  /** Block time, Unix seconds. */
  time: number
  /** Block height: the role check reads DIDs, status lists and the trust registry as of it. */
  height: number
}

/** The terms of an event, as the utility's dispatch sets them. */
export interface EventTerms {
  id: string
  kind: string
  /** Bids are taken from the invitation until this time (exclusive). */
  bidsCloseAt: number
  /** The response window. */
  start: number
  end: number
  /** Highest price a bid may ask, fen per kWh. */
  priceCapFen: number
}

/** An event as invited: its terms plus what a presentation must be bound to. */
export interface Invitation extends EventTerms {
  invitedAt: number
  invitedHeight: number
  /** The presentation's `aud`: this contract. */
  audience: string
  /** The presentation's `nonce`. */
  challenge: string
}

/**
 * A bid: a presentation proving the bidder's role, and the bid's terms. The presentation is bound to
 * the terms (its `binding` is `termsDigest(bidTerms(event, bid))`), so nobody who sees it pending
 * can submit it first with other ones.
 */
export interface Bid {
  presentation: string
  role: RoleName
  /** The user an aggregator bids for (absent when bidding for oneself). */
  onBehalfOf?: string
  capacityKw: number
  /** Fen per kWh. */
  priceFen: number
}

/** The contract's own rules a bid can break, beside the role check's reason codes. */
export type BidRuleCode =
  | 'bid-window-closed'
  | 'price-invalid'
  | 'price-above-cap'
  | 'capacity-invalid'
  | 'presentation-replayed'
  | 'duplicate-bid'
  | 'aggregate-capacity-exceeded'

/** Why a bid was rejected, and which check said so. */
export interface BidReason {
  code: ReasonCode | BidRuleCode
  message: string
  by: 'role-check' | 'contract'
}

/** The contract's decision on a bid. */
export interface BidDecision {
  /** Bid number in this contract, from 1. */
  n: number
  event: string
  /** The presentation's holder, when it could be read. */
  holder?: string
  role: RoleName
  /** The user acted for: the holder itself unless under a mandate. */
  actingFor?: string
  capacityKw: number
  priceFen: number
  accepted: boolean
  /** Empty exactly when accepted. */
  reasons: BidReason[]
  /** What `checkRole` alone said: a replay passes it and is caught by the contract. */
  roleCheckAllowed: boolean
  time: number
  height: number
}

/** Response delivered against an accepted bid, from the utility's metering. */
export interface Delivery {
  bid: number
  deliveredKwh: number
  time: number
  height: number
}

/** Options of {@link ResponseContract}. */
export interface ResponseContractOptions {
  resolver: GridResolver
  /** URL of the utility's trust registry. */
  trustRegistry: string
  /** This contract's address: every presentation must name it as its audience. */
  address: string
}

export class ResponseContract {
  readonly address: string
  readonly #resolver: GridResolver
  readonly #trustRegistry: string
  readonly #events = new Map<string, Invitation>()
  readonly #bids: BidDecision[] = []
  readonly #deliveries = new Map<number, Delivery>()
  /** Presentations already used by a bid, by the SHA-256 of their signing input (see {@link replayKey}). */
  readonly #seen = new Set<string>()

  constructor(options: ResponseContractOptions) {
    this.address = options.address
    this.#resolver = options.resolver
    this.#trustRegistry = options.trustRegistry
  }

  /**
   * Opens an event for bids. The challenge is derived from the invitation's block, so every
   * validator derives the same one and nobody can know it before the invitation (on a chain, the
   * invitation transaction's hash serves).
   */
  invite(terms: EventTerms, block: Block): Invitation {
    if (this.#events.has(terms.id)) throw new Error(`event ${terms.id} was already invited`)
    if (!(block.time < terms.bidsCloseAt && terms.bidsCloseAt <= terms.start && terms.start < terms.end)) {
      throw new RangeError('an event needs invitation < bids close <= start < end')
    }
    const challenge = sha256(`${this.address}\n${terms.id}\n${block.height}\n${block.time}`).slice(0, 32)
    const invitation: Invitation = { ...terms, invitedAt: block.time, invitedHeight: block.height, audience: this.address, challenge }
    this.#events.set(terms.id, invitation)
    return invitation
  }

  /**
   * Decides on a bid. `checkRole` runs for every bid (the presentation must prove the role, for
   * `response.bid`, for the user acted for under a mandate covering the capacity, and be bound to
   * the digest of the terms this call received), then the contract's own rules: the bidding window,
   * the price cap, no replayed presentation, one accepted bid per user, and an aggregator's accepted
   * bids within its licensed total capacity.
   */
  async bid(eventId: string, bid: Bid, block: Block): Promise<BidDecision> {
    const event = this.#events.get(eventId)
    if (!event) throw new Error(`no event ${eventId}`)
    const seenKey = replayKey(bid.presentation)
    const replayed = this.#seen.has(seenKey)
    let binding: string | undefined
    try {
      binding = termsDigest(bidTerms(eventId, bid))
    } catch {
      // Terms outside the canonical domain (a fractional price, say) match no binding; the rules below refuse them.
    }

    const check = await checkRole(
      bid.presentation,
      { role: bid.role, action: 'response.bid', ...(bid.onBehalfOf ? { onBehalfOf: bid.onBehalfOf } : {}), capacityKw: bid.capacityKw },
      {
        resolver: this.#resolver,
        trustRegistry: this.#trustRegistry,
        audience: event.audience,
        challenge: event.challenge,
        ...(binding ? { binding } : {}),
        time: block.time,
        height: block.height,
      },
    )
    // A presentation is used up by the first bid its role check passes, which is then a bid on its
    // holder's own terms. A copy submitted first with other terms (or a broken signature) fails the
    // check and uses nothing up, so it cannot get the genuine bid refused as a replay.
    if (check.allowed) this.#seen.add(seenKey)
    const reasons: BidReason[] = check.reasons.map((r) => ({ ...r, by: 'role-check' }))
    const rule = (code: BidRuleCode, message: string) => reasons.push({ code, message, by: 'contract' })
    if (block.time < event.invitedAt || block.time >= event.bidsCloseAt)
      rule('bid-window-closed', `bids for ${event.id} are taken until ${iso(event.bidsCloseAt)}`)
    if (!Number.isSafeInteger(bid.priceFen) || bid.priceFen <= 0)
      rule('price-invalid', 'the price must be a positive whole number of fen per kWh')
    else if (bid.priceFen > event.priceCapFen) rule('price-above-cap', `${bid.priceFen} fen/kWh is above the cap of ${event.priceCapFen}`)
    if (!Number.isSafeInteger(bid.capacityKw) || bid.capacityKw <= 0)
      rule('capacity-invalid', 'the capacity must be a positive whole number of kW')
    if (replayed) rule('presentation-replayed', 'this presentation was already used by a bid: a presentation is good for one bid')
    else if (check.allowed && this.#accepted(eventId).some((b) => b.actingFor === check.actingFor)) {
      rule('duplicate-bid', `${check.actingFor} already has an accepted bid in ${event.id}`)
    }
    const aggregateCap = bid.role === 'aggregator' ? check.claims?.maxAggregatedCapacityKw : undefined
    if (typeof aggregateCap === 'number' && reasons.length === 0) {
      const total = this.#accepted(eventId)
        .filter((b) => b.holder === check.subject && b.role === 'aggregator')
        .reduce((kw, b) => kw + b.capacityKw, 0)
      if (total + bid.capacityKw > aggregateCap)
        rule(
          'aggregate-capacity-exceeded',
          `the aggregator's accepted bids would total ${total + bid.capacityKw} kW, above its ${aggregateCap} kW`,
        )
    }

    const decision: BidDecision = {
      n: this.#bids.length + 1,
      event: eventId,
      ...(check.subject ? { holder: check.subject } : {}),
      role: bid.role,
      ...(check.actingFor ? { actingFor: check.actingFor } : {}),
      capacityKw: bid.capacityKw,
      priceFen: bid.priceFen,
      accepted: reasons.length === 0,
      reasons,
      roleCheckAllowed: check.allowed,
      time: block.time,
      height: block.height,
    }
    // The decision keeps no claims: they are the holder's personal data and stay off contract state.
    this.#bids.push(decision)
    return decision
  }

  /** Records the metered response of an accepted bid, once, after the event's window. */
  recordDelivery(bidNumber: number, deliveredKwh: number, block: Block): Delivery {
    const bid = this.#bids[bidNumber - 1]
    if (!bid?.accepted) throw new Error(`bid ${bidNumber} was not accepted`)
    if (this.#deliveries.has(bidNumber)) throw new Error(`bid ${bidNumber} already has a delivery`)
    if (block.time < this.#events.get(bid.event)!.end) throw new Error('deliveries are recorded after the event')
    if (!Number.isSafeInteger(deliveredKwh) || deliveredKwh < 0) throw new RangeError('deliveredKwh must be a whole number of kWh')
    const delivery: Delivery = { bid: bidNumber, deliveredKwh, time: block.time, height: block.height }
    this.#deliveries.set(bidNumber, delivery)
    return delivery
  }

  event(id: string): Invitation | undefined {
    return this.#events.get(id)
  }

  /** Every decision, in bid order. */
  get bids(): readonly BidDecision[] {
    return this.#bids
  }

  get deliveries(): ReadonlyMap<number, Delivery> {
    return this.#deliveries
  }

  #accepted(eventId: string): BidDecision[] {
    return this.#bids.filter((b) => b.accepted && b.event === eventId)
  }
}

/**
 * The terms a bid's presentation is bound to, as the bidder signs them and the contract recomputes
 * them from what it received: the event, the role, the user acted for, the capacity and the price.
 */
export function bidTerms(eventId: string, bid: Omit<Bid, 'presentation'>): { [key: string]: string | number } {
  return {
    event: eventId,
    role: bid.role,
    ...(bid.onBehalfOf ? { onBehalfOf: bid.onBehalfOf } : {}),
    capacityKw: bid.capacityKw,
    priceFen: bid.priceFen,
  }
}

/**
 * What makes two submissions the same presentation: the SHA-256 of its JWS signing input
 * (`header.payload`). The signature covers exactly those bytes, so any variant that still verifies
 * has the same key — whereas the whole JWT's hash could be dodged by re-encoding the signature's
 * base64url, and holder + nonce would wrongly merge an aggregator's many bids (one presentation per
 * user it bids for, all with the event's one challenge). The VP-JWTs carry no `jti` to use instead.
 */
export function replayKey(presentation: string): string {
  return sha256(presentation.slice(0, Math.max(0, presentation.lastIndexOf('.'))))
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z')
}
