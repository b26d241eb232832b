/**
 * What the story needs from a market, so one story runs on either: the embedded contracts
 * (response-contract.ts, settlement-contract.ts on the SQLite ledger; `npm run demo`) or the
 * Solidity contracts on an EVM chain with the role gate and its attestors (chain-market.ts;
 * `npm run demo -- --chain`). The story (run.ts) onboards everyone on `ledger`, then invites,
 * bids, meters and settles through these calls; each market decides in its own way and reports
 * in one shape.
 */
import type { GridResolver, JwtSigner, Ledger, ResourceAuthor, RoleName } from 'grid-did'
import type { ChainSettlementRecord } from 'grid-did/gate'
import type { BidDecision, Delivery, EventTerms, Invitation } from './response-contract.js'
import type { Settlement } from './settlement-contract.js'

/** A participant's DID and its signer, as the story made them. */
export interface Bidder {
  key: string
  did: string
  /** The holder's JWT signer. */
  signer: JwtSigner
}

/** What a bid asks, as the story states it. */
export interface BidAsk {
  role: RoleName
  /** The DID of the user an aggregator bids for (absent when bidding for oneself). */
  onBehalfOf?: string
  capacityKw: number
  priceFen: number
}

/** Why a bid was refused: the role check (on chain: the attestors' reasons), the contract's rules, or the gate. */
export interface MarketReason {
  by: 'role-check' | 'contract' | 'gate'
  /** The embedded run's reason code for the same refusal where there is one, else the custom error in kebab case. */
  code: string
  message: string
  /** On chain: the custom error the transaction reverted with. */
  error?: string
}

/** A decision as the story logs it: the embedded contract's fields, plus what a chain adds. */
export interface MarketDecision extends Omit<BidDecision, 'reasons'> {
  reasons: MarketReason[]
  /** On chain: the bid's number in the demand-response contract (accepted bids only). */
  chainBid?: number
  /** On chain: the bid transaction, its gas, and how many attestors' signatures it carried. */
  transaction?: string
  gasUsed?: number
  signatures?: number
  /** On chain: how many attestors signed the same attestation (the bid carries `signatures` of them), and how many refused. */
  attested?: number
  refusals?: number
}

/** A bid made ready by its bidder: on chain, with the attestors' signatures collected. Opaque to the story. */
export interface PreparedBid {
  bidder: Bidder
  ask: BidAsk
  presentation: string
}

/** What came of an aggregator's claim to be paid for a bid it made under a mandate. */
export interface ClaimOutcome {
  bid: number
  accepted: boolean
  reasons: MarketReason[]
  transaction?: string
  gasUsed?: number
}

/**
 * A settlement as the story logs it; on chain also the records as the contract hashed them (DIDs as
 * keccak256 hashes: `chainSettlementRoot(chainRecords)` is the root), the transaction and the contract.
 */
export type MarketSettlement = Settlement & {
  chainRecords?: ChainSettlementRecord[]
  /** The root as the settlement contract stores it (`roots(eventId)`), read back after settling. */
  chainRoot?: string
  transaction?: string
  gasUsed?: number
  contract?: string
}

export interface Market {
  readonly kind: 'embedded' | 'chain'
  /** One line naming where the run happens. */
  readonly title: string
  /** Where the story anchors DIDs, status lists, the trust registry and the settlement root, and the resolver over it. */
  readonly ledger: Ledger
  readonly resolver: GridResolver
  /** The file the resolver reads (the JSON log's `ledger`). */
  readonly ledgerFile: string
  /** Called once the utility has a DID and a trust registry: a chain deploys its contracts here. */
  start(utility: ResourceAuthor, trustRegistry: string): Promise<Record<string, string>>
  invite(event: EventTerms): Promise<Invitation>
  /** The bidder's presentation for `ask`, addressed and bound the way this market checks it. */
  present(bidder: Bidder, ask: BidAsk, credentials: string[]): Promise<string>
  /** Makes a bid ready to send (on chain: collects the attestors' signatures at the current height). */
  prepare(bidder: Bidder, ask: BidAsk, presentation: string): Promise<PreparedBid>
  /** Sends a prepared bid, under other terms when `ask` is given (what a front-runner does with a copy). */
  send(bid: PreparedBid, ask?: BidAsk): Promise<MarketDecision>
  recordDelivery(bid: MarketDecision, deliveredKwh: number): Promise<Delivery>
  openSettlement(): Promise<void>
  /** An aggregator claims to be paid for `bid` under its mandate (`settlement.receive`). */
  claim(bid: MarketDecision, aggregator: Bidder, credentials: string[]): Promise<ClaimOutcome>
  settle(): Promise<MarketSettlement>
  readonly deliveries: readonly Delivery[]
  close(): Promise<void>
}
