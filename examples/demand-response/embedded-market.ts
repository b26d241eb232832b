/**
 * The market of `npm run demo`: the embedded response and settlement contracts on a SQLite ledger,
 * each call executed in a simulated block whose time is the story's clock.
 *
 * It uses only the package's public API, as an outside service would.
 */
import { GridResolver, createPresentation, termsDigest, type ResourceAuthor } from 'grid-did'
import { SqliteLedger } from 'grid-did/ledger/sqlite'
import type { Bidder, BidAsk, ClaimOutcome, Market, MarketDecision, MarketSettlement, PreparedBid } from './market.js'
import { ResponseContract, bidTerms, type Block, type Delivery, type EventTerms, type Invitation } from './response-contract.js'
import { SettlementContract } from './settlement-contract.js'

export class EmbeddedMarket implements Market {
  readonly kind = 'embedded'
  readonly title: string
  readonly ledger: SqliteLedger
  readonly resolver: GridResolver
  readonly ledgerFile: string
  readonly #now: () => number
  #response: ResponseContract | undefined
  #settlement: SettlementContract | undefined
  #invitation: Invitation | undefined
  #author: ResourceAuthor | undefined
  #trustRegistry = ''
  #settlementChallenge = ''
  readonly #claims = new Map<number, string>()

  /** @param now the story's clock: every anchoring and every contract call happens at its time. */
  constructor(ledgerFile: string, now: () => number) {
    this.ledgerFile = ledgerFile
    this.#now = now
    this.ledger = new SqliteLedger(ledgerFile, { create: true, clock: now })
    this.resolver = new GridResolver({ networks: { sgcc: this.ledger } })
    this.title = `embedded ledger at ${ledgerFile}`
  }

  /** The block a call executes in: the story's time, the ledger's finalized height. */
  async #block(): Promise<Block> {
    return { time: this.#now(), height: (await this.ledger.head()).finalizedHeight }
  }

  async start(utility: ResourceAuthor, trustRegistry: string): Promise<Record<string, string>> {
    this.#author = utility
    this.#trustRegistry = trustRegistry
    this.#response = new ResponseContract({ resolver: this.resolver, trustRegistry, address: `${utility.did}#response-contract` })
    return {}
  }

  async invite(event: EventTerms): Promise<Invitation> {
    this.#invitation = this.#contract().invite(event, await this.#block())
    return this.#invitation
  }

  present(bidder: Bidder, ask: BidAsk, credentials: string[]): Promise<string> {
    const event = this.#event()
    // A bidder signs the terms it bids: its presentation is bound to their digest.
    return createPresentation({
      holder: bidder.signer,
      credentials,
      audience: event.audience,
      challenge: event.challenge,
      issuedAt: this.#now(),
      binding: termsDigest(bidTerms(event.id, ask)),
    })
  }

  async prepare(bidder: Bidder, ask: BidAsk, presentation: string): Promise<PreparedBid> {
    return { bidder, ask, presentation }
  }

  async send(bid: PreparedBid, ask: BidAsk = bid.ask): Promise<MarketDecision> {
    return this.#contract().bid(this.#event().id, { presentation: bid.presentation, ...ask }, await this.#block())
  }

  async recordDelivery(bid: MarketDecision, deliveredKwh: number): Promise<Delivery> {
    return this.#contract().recordDelivery(bid.n, deliveredKwh, await this.#block())
  }

  async openSettlement(): Promise<void> {
    this.#settlement = new SettlementContract({
      resolver: this.resolver,
      trustRegistry: this.#trustRegistry,
      address: `${this.#author!.did}#settlement-contract`,
      publisher: { ...this.#author!, ledger: this.ledger, resolver: this.resolver },
    })
    this.#settlementChallenge = this.#settlement.open(this.#event(), await this.#block()).challenge
  }

  /** Here a claim is only handed in: the settlement runs the role check on it when it settles. */
  async claim(bid: MarketDecision, aggregator: Bidder, credentials: string[]): Promise<ClaimOutcome> {
    this.#claims.set(
      bid.n,
      await createPresentation({
        holder: aggregator.signer,
        credentials,
        audience: this.#settlement!.address,
        challenge: this.#settlementChallenge,
        issuedAt: this.#now(),
      }),
    )
    return { bid: bid.n, accepted: true, reasons: [] }
  }

  async settle(): Promise<MarketSettlement> {
    const response = this.#contract()
    return this.#settlement!.settle(this.#event(), response.bids, response.deliveries, this.#claims, await this.#block())
  }

  get deliveries(): readonly Delivery[] {
    return [...(this.#response?.deliveries.values() ?? [])]
  }

  close(): Promise<void> {
    return this.ledger.close()
  }

  #contract(): ResponseContract {
    if (!this.#response) throw new Error('the market has not started')
    return this.#response
  }

  #event(): Invitation {
    if (!this.#invitation) throw new Error('no event invited yet')
    return this.#invitation
  }
}
