import { getAddress, isAddress, type Address, type Hex } from '../ledger/peers/viem.js'
import type { LocalAccount } from 'viem/accounts'
import { AttestationRefusedError } from '../errors.js'
import { isBinding, termsDigest } from '../vc/binding.js'
import { decodeJws } from '../vc/jwt.js'
import { checkRole, type RoleCheckContext, type RoleDecision, type RoleRequirement } from '../vc/verify.js'
import { capacityWatts, checkDomain, hashString, roleAttestationTypedData, type RoleAttestation } from './role-attestation.js'

/**
 * The holder's licensed aggregate capacity in whole watts, from its own role credential; 0 when it
 * names none. The schema admits any positive kW figure, so a licence that is not a whole number of
 * watts is rounded down: the contract then holds the aggregator to a little less, never more.
 */
function licensedWatts(decision: RoleDecision): bigint {
  const licensed = decision.claims?.maxAggregatedCapacityKw
  if (typeof licensed !== 'number' || !Number.isFinite(licensed) || licensed <= 0) return 0n
  const scaled = licensed * 1000
  const nearest = Math.round(scaled)
  // 1.001 kW is 1000.9999999999999 in binary floating point: that is 1,001 W, not 1,000.
  return BigInt(Math.abs(scaled - nearest) <= 1e-6 ? nearest : Math.floor(scaled))
}

/** What an attestor is asked: a presentation, what it must prove, and where the decision will be used. */
export interface AttestRoleOptions {
  /** The presentation JWT; it must carry a `binding` (the digest of the terms it authorises). */
  presentation: string
  requirement: RoleRequirement
  /** The role-check context without height, time and binding: the attestor supplies those. */
  context: Omit<RoleCheckContext, 'height' | 'time' | 'binding'>
  /**
   * The terms the bidder submits (or their digest): the presentation's binding must equal
   * `termsDigest(terms)`. Absent: the presentation's own binding is attested, and the consuming
   * contract must compare it with the terms it receives.
   */
  terms?: { readonly [key: string]: unknown } | string
  /** The finalized ledger height to decide at. */
  height: number
  /** The time of the block at `height`, Unix seconds: every attestor uses the same. */
  time: number
  /** The consuming contract. */
  consumer: Address
  chainId: number
  /** The `GridRoleGate` contract. */
  gate: Address
  /** Unix seconds after which the attestation is void. */
  expiry: number
  /** The attestor's EVM account (a viem `LocalAccount`, e.g. `privateKeyToAccount(key)`). */
  account: LocalAccount
}

/** A signed attestation, with the decision it records. */
export interface SignedAttestation {
  attestation: RoleAttestation
  /** 65-byte `r ‖ s ‖ v` signature of the attestor over the EIP-712 digest. */
  signature: Hex
  /** The attestor's address. */
  attestor: Address
  decision: RoleDecision
}

/**
 * Runs {@link checkRole} at `height` (the resolver pinned there, the time of that block) and, when
 * the role is proven, signs the `RoleAttestation` with the attestor's account. A denial is never
 * signed. Every honest attestor following the same chain reaches the same attestation bytes.
 *
 * @throws {AttestationRefusedError} (`ERR_GRID_ATTESTATION_REFUSED`, with the denial's `reasons`)
 *   when the check denies, including a presentation bound to no terms (`binding-missing`);
 *   `HeightNotReachedError` and ledger errors when the answer cannot be known yet;
 *   TypeError / RangeError for malformed arguments (a capacity that is not whole watts).
 * @example
 * ```ts
 * const { attestation, signature } = await attestRole({ presentation: vp, requirement, context, height, time,
 *   consumer: demandResponse, chainId: 1337, gate, expiry: time + 600, account })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export async function attestRole(options: AttestRoleOptions): Promise<SignedAttestation> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  const { presentation, requirement, context, terms, height, time, consumer, chainId, gate, expiry, account } = options
  if (typeof presentation !== 'string') throw new TypeError('presentation must be a JWT string')
  if (typeof context !== 'object' || context === null) throw new TypeError('context must be a role-check context')
  if (!Number.isSafeInteger(height) || height < 0) throw new RangeError('height must be a non-negative integer')
  if (!Number.isSafeInteger(time) || time < 0) throw new RangeError('time must be Unix seconds')
  if (!Number.isSafeInteger(expiry) || expiry < 0) throw new RangeError('expiry must be Unix seconds')
  if (typeof consumer !== 'string' || !isAddress(consumer, { strict: false })) throw new TypeError('consumer must be an address')
  if (typeof account !== 'object' || account === null || typeof account.signTypedData !== 'function')
    throw new TypeError('account must be a viem LocalAccount')
  checkDomain({ chainId, gate })
  const capacityW = capacityWatts(requirement?.capacityKw)

  let binding: string | undefined
  if (terms === undefined) {
    // The presentation's own binding; a malformed one is left to checkRole (binding-unchecked).
    const jws = decodeJws(presentation, Number.MAX_SAFE_INTEGER)
    const own = typeof jws === 'string' ? undefined : jws.payload.binding
    binding = isBinding(own) ? own : undefined
  } else {
    binding = typeof terms === 'string' ? terms : termsDigest(terms)
    if (!isBinding(binding)) throw new TypeError('terms given as a digest must be 0x and 64 lowercase hex digits')
  }

  const decision = await checkRole(presentation, requirement, { ...context, binding, height, time })
  const reasons = [...decision.reasons]
  // An attestation names the terms it authorises: a presentation bound to none is never attested.
  if (binding === undefined && !reasons.some((r) => r.code.startsWith('binding-') || r.code === 'presentation-malformed')) {
    reasons.push({
      code: 'binding-missing',
      message: 'the presentation is bound to no terms: an attestation names the terms it authorises',
    })
  }
  if (!decision.allowed || reasons.length > 0 || binding === undefined || decision.subject === undefined) {
    throw new AttestationRefusedError(reasons, height)
  }
  // An attestation never outlives what it attests: the presentation's and its credentials' `exp`.
  const lifetimes = [BigInt(expiry), ...expiriesOf(presentation).map(BigInt)]
  const attestation: RoleAttestation = {
    consumer: getAddress(consumer),
    subject: hashString(decision.subject),
    actingFor: hashString(decision.actingFor ?? decision.subject),
    role: hashString(requirement.role),
    action: hashString(requirement.action),
    capacityW,
    licensedW: licensedWatts(decision),
    terms: binding as Hex,
    presentation: hashString(presentation),
    height: BigInt(height),
    expiry: lifetimes.reduce((a, b) => (b < a ? b : a)),
  }
  const signature = await account.signTypedData(roleAttestationTypedData({ chainId, gate }, attestation))
  return { attestation, signature, attestor: account.address, decision }
}

/** The `exp` of a (verified) presentation and of every credential it carries, Unix seconds. */
function expiriesOf(presentation: string): number[] {
  const jws = decodeJws(presentation, Number.MAX_SAFE_INTEGER)
  if (typeof jws === 'string') return []
  const out: number[] = []
  const exp = (payload: Record<string, unknown>) => {
    if (typeof payload.exp === 'number') out.push(payload.exp)
  }
  exp(jws.payload)
  const list = (jws.payload.vp as { verifiableCredential?: unknown } | undefined)?.verifiableCredential
  for (const vc of Array.isArray(list) ? list : []) {
    const decoded = decodeJws(vc, Number.MAX_SAFE_INTEGER)
    if (typeof decoded !== 'string') exp(decoded.payload)
  }
  return out
}
