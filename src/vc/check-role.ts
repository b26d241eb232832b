import { isBinding } from './binding.js'
import { LedgerView } from './ledger-view.js'
import { quote, type ReasonCode, type Reason } from './reasons.js'
import { ROLES, type RoleName } from './roles.js'
import type { VerificationContext } from './verification-context.js'
import type { CredentialVerification } from './verify-credential.js'
import { verifyPresentation } from './verify-presentation.js'

/** What a role check asks for. */
export interface RoleRequirement {
  role: RoleName
  /** The action the contract is about to take, e.g. `response.bid`. */
  action: string
  /** The user the holder acts for; absent or the holder itself when acting for oneself. */
  onBehalfOf?: string
  /** Capacity the action involves (kW); checked against the role's and the mandate's caps. */
  capacityKw?: number
}

/** Context of a role check: the verification context plus the presentation's binding. */
export interface RoleCheckContext extends VerificationContext {
  /** Who the presentation must be addressed to (its `aud`): the contract or service. */
  audience: string
  /** The nonce the verifier issued (the presentation's `nonce`). */
  challenge: string
  /**
   * The digest of the terms the caller is about to act on, computed by the caller from the terms it
   * received ({@link termsDigest}): the presentation's `binding` must be exactly this. Without it, a
   * presentation that carries a binding is refused (`binding-unchecked`): its holder authorised
   * only the terms it names, and a check that cannot compare them must not pass it.
   */
  binding?: string
}

/** The answer of {@link checkRole}. */
export interface RoleDecision {
  allowed: boolean
  role: RoleName
  action: string
  /** The holder, when the presentation could be read. */
  subject?: string
  /** The user acted for (the holder itself unless under a mandate). */
  actingFor?: string
  /** `jti` of every credential the presentation carried, in order. */
  credentials: string[]
  /** Claims of the holder's role credential, when it verified. */
  claims?: Record<string, unknown>
  /** Every failed check; empty exactly when `allowed`. */
  reasons: Reason[]
  time: number
  height: number
}

/**
 * The role check contracts call: does this presentation prove `requirement.role` for its holder,
 * for `requirement.action` (and for `onBehalfOf` under a mandate), at the transaction's time and
 * height? Deterministic: reads only the resolver pinned to `context.height` and `context.time`.
 *
 * The presentation must be signed by an `authentication` key of the holder, addressed to
 * `context.audience` with `nonce === context.challenge`, and bound to `context.binding` (the digest
 * of the terms about to be acted on) when either of them names a binding; every credential in it must verify
 * ({@link verifyCredential}) and be about the holder — except the acted-for user's own role
 * credential, which an aggregator presents with that user's mandate.
 *
 * @throws {TypeError} when the context lacks an audience or challenge (a presentation is never
 *   checked without them), has a `binding` that is not `0x` + 64 lowercase hex digits, or is
 *   otherwise malformed; {@link HeightNotReachedError} and ledger
 *   errors when the answer cannot be known yet.
 * @example
 * ```ts
 * const decision = await checkRole(vp, { role: 'aggregator', action: 'response.bid', onBehalfOf: user, capacityKw: 120 },
 *   { resolver, trustRegistry, audience: contractId, challenge: event.nonce, binding: termsDigest(bidTerms), time: tx.time, height: tx.height })
 * if (!decision.allowed) reject(decision.reasons)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#the-role-check
 */
export async function checkRole(presentation: string, requirement: RoleRequirement, context: RoleCheckContext): Promise<RoleDecision> {
  checkRequirement(requirement)
  const view = new LedgerView(context)
  if (typeof context.audience !== 'string' || context.audience.length === 0) {
    throw new TypeError('context.audience is required: a presentation is only checked for a named audience')
  }
  if (typeof context.challenge !== 'string' || context.challenge.length === 0) {
    throw new TypeError('context.challenge is required: a presentation is only checked against a challenge')
  }
  if (context.binding !== undefined && !isBinding(context.binding)) {
    throw new TypeError('context.binding must be 0x and 64 lowercase hex digits (see termsDigest)')
  }
  const { role, action } = requirement
  const decision: RoleDecision = { allowed: false, role, action, credentials: [], reasons: [], time: context.time, height: context.height }
  const reasons = decision.reasons
  const fail = (code: ReasonCode, message: string) => reasons.push({ code, message })

  const read = await verifyPresentation(view, presentation, context, fail)
  if (!read) return decision
  const { holder, credentials: results } = read
  decision.subject = holder
  for (const r of results) {
    decision.credentials.push(r.id ?? '')
    reasons.push(...r.reasons)
  }

  const actingFor = requirement.onBehalfOf ?? holder
  decision.actingFor = actingFor
  const own = results.find((r) => r.kind === role && r.subject === holder)
  if (!own) fail('role-missing', `no ${role} credential for ${holder} in the presentation`)
  else {
    decision.claims = own.claims
    const cap = capacityOf(role, own.claims)
    if (requirement.capacityKw !== undefined && cap !== undefined && requirement.capacityKw > cap) {
      fail('capacity-exceeded', `${requirement.capacityKw} kW exceeds the ${role}'s cap of ${cap}`)
    }
  }
  let mandate: CredentialVerification | undefined
  let actedFor: CredentialVerification | undefined
  if (actingFor !== holder) {
    if (role !== 'aggregator') fail('acting-for-not-allowed', `a ${role} acts only for itself`)
    mandate = results.find((r) => r.kind === 'mandate' && r.issuer === actingFor && r.subject === holder)
    actedFor = results.find((r) => r.kind === 'user' && r.subject === actingFor)
    if (!mandate) fail('mandate-missing', `no mandate from ${actingFor} to ${holder} in the presentation`)
    else {
      const actions = mandate.claims?.actions
      if (!Array.isArray(actions) || !actions.includes(action)) fail('mandate-action', `the mandate does not cover ${action}`)
      const maxKw = mandate.claims?.maxKw
      if (requirement.capacityKw !== undefined && typeof maxKw === 'number' && requirement.capacityKw > maxKw) {
        fail('mandate-capacity', `${requirement.capacityKw} kW exceeds the mandate's ${maxKw} kW`)
      }
    }
    if (!actedFor) fail('acted-for-not-user', `no user credential for ${actingFor} in the presentation`)
    else {
      // The user's own limits bind whoever acts for it: its contracted capacity, and the aggregator's licence.
      const userCap = capacityOf('user', actedFor.claims)
      if (requirement.capacityKw !== undefined && userCap !== undefined && requirement.capacityKw > userCap) {
        fail('capacity-exceeded', `${requirement.capacityKw} kW exceeds the acted-for user's cap of ${userCap}`)
      }
      const regions = own?.claims?.licensedRegions
      const region = actedFor.claims?.region
      if (role === 'aggregator' && own && (!Array.isArray(regions) || !regions.includes(region))) {
        fail('region-not-licensed', `the aggregator is not licensed for the user's region ${quote(region)}`)
      }
    }
  }
  // A presentation proves things about its holder only: anything else in it is someone else's.
  for (const [i, r] of results.entries()) {
    if (r.subject === undefined || r === mandate || r === actedFor || r.subject === holder) continue
    fail('holder-not-subject', `credential[${i}] is about ${r.subject}, not the holder ${holder}`)
  }
  decision.allowed = reasons.length === 0
  return decision
}

function checkRequirement(requirement: RoleRequirement): void {
  if (typeof requirement !== 'object' || requirement === null) throw new TypeError('requirement must be an object')
  if (!ROLES.includes(requirement.role)) throw new TypeError(`requirement.role must be one of ${ROLES.join(', ')}`)
  if (typeof requirement.action !== 'string' || requirement.action.length === 0)
    throw new TypeError('requirement.action must be a non-empty string')
  if (requirement.onBehalfOf !== undefined && typeof requirement.onBehalfOf !== 'string')
    throw new TypeError('requirement.onBehalfOf must be a DID')
  const kw = requirement.capacityKw
  if (kw !== undefined && (typeof kw !== 'number' || !Number.isFinite(kw) || kw < 0))
    throw new RangeError('requirement.capacityKw must be a non-negative number')
}

function capacityOf(role: RoleName, claims: Record<string, unknown> | undefined): number | undefined {
  const value =
    role === 'user' ? claims?.contractedCapacityKva : role === 'aggregator' ? claims?.maxAggregatedCapacityKw : claims?.maxLoadKw
  return typeof value === 'number' ? value : undefined
}
