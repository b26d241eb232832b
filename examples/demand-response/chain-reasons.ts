/**
 * How a refusal on chain reads in the story's terms: the attestors' refusal reasons are the role
 * check's own codes; a reverted transaction's custom error is reported under the embedded run's
 * reason code for the same rule where there is one (`PriceAboveCap` is `price-above-cap`), with
 * the error and its values as the message.
 */
import type { Collected, Sent } from './chain-world.js'
import type { MarketReason } from './market.js'

/**
 * The embedded run's reason code for each custom error that refuses the same thing, and who
 * refused: the contract's own rules, or the gate. Others are reported as the error's name in kebab case.
 */
export const REVERT_REASONS: Record<string, { by: 'contract' | 'gate'; code: string }> = {
  BidWindowClosed: { by: 'contract', code: 'bid-window-closed' },
  PriceInvalid: { by: 'contract', code: 'price-invalid' },
  PriceAboveCap: { by: 'contract', code: 'price-above-cap' },
  CapacityInvalid: { by: 'contract', code: 'capacity-invalid' },
  // The presentation's binding, checked on chain: the attested terms are not the ones sent.
  TermsMismatch: { by: 'contract', code: 'binding-mismatch' },
  DuplicateBid: { by: 'contract', code: 'duplicate-bid' },
  AggregateCapacityExceeded: { by: 'contract', code: 'aggregate-capacity-exceeded' },
  Replayed: { by: 'gate', code: 'presentation-replayed' },
  NotEnoughSignatures: { by: 'gate', code: 'not-enough-signatures' },
  TooOld: { by: 'gate', code: 'attestation-too-old' },
  Expired: { by: 'gate', code: 'attestation-expired' },
  HeightAhead: { by: 'gate', code: 'attestation-height-ahead' },
  WrongConsumer: { by: 'gate', code: 'wrong-consumer' },
  BadSignature: { by: 'gate', code: 'bad-signature' },
}

/** A refused transaction's reason: the custom error with its values, under the embedded run's code where there is one. */
export function revertReason(revert: NonNullable<Sent['revert']>): MarketReason {
  const known = REVERT_REASONS[revert.errorName]
  const kebab = revert.errorName.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()
  const args = revert.args.map((a) => (typeof a === 'bigint' ? a.toString() : String(a))).join(', ')
  return { by: known?.by ?? 'contract', code: known?.code ?? kebab, message: `${revert.errorName}(${args})`, error: revert.errorName }
}

/** The attestors' refusals as reasons: each distinct one once. */
export function refusalReasons(collected: Collected): MarketReason[] {
  const seen = new Map<string, MarketReason>()
  for (const r of collected.refusals)
    for (const { code, message } of r.reasons) seen.set(`${code}\n${message}`, { by: 'role-check', code, message })
  return [...seen.values()]
}

/** Everything that refused a bid or a claim: the attestors first, then the transaction's revert. */
export function chainReasons(collected: Collected, sent: Sent): MarketReason[] {
  const reasons = refusalReasons(collected)
  if (sent.revert) reasons.push(revertReason(sent.revert))
  return reasons
}
