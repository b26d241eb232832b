import { InvalidDidError, InvalidDidUrlError, ResourceNotFoundError, UnknownNetworkError } from '../errors.js'
import type { JsonValue } from '../lib/jcs.js'
import { isoSeconds } from '../lib/time.js'
import { parseDid, parseDidUrl } from '../method/did.js'
import { decodeMultikey } from '../method/keys.js'
import type { VerificationRelationship } from '../method/operation.js'
import type { DidState } from '../method/state.js'
import { verifyEd25519 } from '../method/verify-signature.js'
import type { DidTimeline, GridResolver } from '../resolver/resolver.js'
import { isBinding } from './binding.js'
import { MAX_CREDENTIALS } from './issue.js'
import { decodeJws, type DecodedJws } from './jwt.js'
import { TRUST_REGISTRY_TYPE, readTrustRegistry, type ParsedTrustRegistry } from './resources.js'
import { CREDENTIAL_TYPES, ROLES, type CredentialKind, type JsonSchema, type RoleName } from './roles.js'
import { claimErrors } from './schema.js'
import { Bitstring, STATUS_LIST_RESOURCE_TYPE, readStatusListContent, type StatusPurpose } from './status-list.js'

/** Stable codes of the checks a credential or presentation can fail. Open enum. */
export type ReasonCode =
  | 'presentation-malformed'
  | 'presentation-signature'
  | 'presentation-expired'
  | 'presentation-not-yet-valid'
  | 'audience-mismatch'
  | 'challenge-mismatch'
  | 'binding-missing'
  | 'binding-mismatch'
  | 'binding-unchecked'
  | 'holder-not-found'
  | 'holder-deactivated'
  | 'holder-not-subject'
  | 'credential-malformed'
  | 'credential-signature'
  | 'credential-expired'
  | 'credential-not-yet-valid'
  | 'issuer-not-found'
  | 'issuer-deactivated'
  | 'issuer-untrusted'
  | 'kid-not-found'
  | 'kid-wrong-relationship'
  | 'key-compromised'
  | 'schema-invalid'
  | 'schema-unavailable'
  | 'trust-registry-unavailable'
  | 'status-missing'
  | 'status-invalid'
  | 'status-unavailable'
  | 'status-revoked'
  | 'status-suspended'
  | 'role-missing'
  | 'capacity-exceeded'
  | 'acting-for-not-allowed'
  | 'mandate-missing'
  | 'mandate-action'
  | 'mandate-capacity'
  | 'acted-for-not-user'
  | 'region-not-licensed'
  | (string & {})

/** One failed check. */
export interface Reason {
  code: ReasonCode
  message: string
}

/**
 * What every verification reads: the resolver pinned to a ledger height, the time, and the trust
 * registry. Nothing else — no wall clock, no randomness — so every validator decides alike.
 */
export interface VerificationContext {
  resolver: GridResolver
  /** URL of the utility's trust registry (`<utility>/resources/trust-registry`). */
  trustRegistry: string
  /** The transaction's time, Unix seconds. */
  time: number
  /** The transaction's ledger height: DIDs, status lists, schemas and the registry are read as of it. */
  height: number
  /** Tolerated clock skew in seconds for `nbf`/`iat`/`exp` (default 0). */
  clockSkew?: number
}

/** A credential after verification. Fields are present as far as the JWT could be read. */
export interface CredentialVerification {
  verified: boolean
  kind?: CredentialKind
  /** `jti`. */
  id?: string
  issuer?: string
  subject?: string
  claims?: Record<string, unknown>
  validFrom?: number
  validUntil?: number
  reasons: Reason[]
}

/** The most characters of a credential / presentation JWT the verifier reads. */
const MAX_VC = 16_384
const MAX_VP = 8 * MAX_VC + 4_096
/** 9999-12-31T23:59:59Z: every time must render as an XML Schema dateTime. */
const MAX_TIME = 253_402_300_799

/**
 * Verifies one credential JWT completely — everything `did-jwt-vc` leaves out: strict JWS parsing
 * (`EdDSA` only), the did:grid Ed25519 rule set, `kid` in the issuer's `assertionMethod` (as of
 * `iat` if since rotated, unless dropped by a recovery), issuer not deactivated, zero clock skew
 * unless asked, trusted issuer for the role, schema-valid claims, and revocation and suspension.
 *
 * @throws {HeightNotReachedError} when `context.height` is above the finalized head, and ledger
 *   errors: an outage is never a verdict.
 * @example
 * ```ts
 * const result = await verifyCredential(jwt, { resolver, trustRegistry, time: tx.time, height: tx.height })
 * if (!result.verified) console.log(result.reasons) // [{ code: 'status-revoked', message: '…' }]
 * ```
 * @see ../../spec/did-grid.md#verification
 */
export async function verifyCredential(jwt: string, context: VerificationContext): Promise<CredentialVerification> {
  return new Check(context).credential(jwt, 'credential')
}

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
 * @see ../../spec/did-grid.md#the-role-check
 */
export async function checkRole(presentation: string, requirement: RoleRequirement, context: RoleCheckContext): Promise<RoleDecision> {
  checkRequirement(requirement)
  const check = new Check(context)
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

  const jws = decodeJws(presentation, MAX_VP)
  if (typeof jws === 'string') {
    fail('presentation-malformed', `presentation: ${jws}`)
    return decision
  }
  const p = jws.payload
  const vp = p.vp as Record<string, unknown> | undefined
  const list = vp?.verifiableCredential
  if (
    typeof p.iss !== 'string' ||
    typeof vp !== 'object' ||
    vp === null ||
    !Array.isArray(vp.type) ||
    !vp.type.includes('VerifiablePresentation') ||
    !Array.isArray(list) ||
    list.length === 0 ||
    list.length > MAX_CREDENTIALS ||
    list.some((c) => typeof c !== 'string')
  ) {
    fail('presentation-malformed', `presentation: needs iss and vp.verifiableCredential with 1-${MAX_CREDENTIALS} JWTs`)
    return decision
  }
  const holder = p.iss
  decision.subject = holder
  const audiences = Array.isArray(p.aud) ? p.aud : [p.aud]
  if (!audiences.includes(context.audience)) fail('audience-mismatch', `presentation is not addressed to ${context.audience}`)
  if (p.nonce !== context.challenge) fail('challenge-mismatch', 'presentation nonce does not match the challenge')
  // The terms: whoever sees a pending presentation must not be able to submit it with other ones.
  if (context.binding !== undefined) {
    if (p.binding === undefined) fail('binding-missing', `the presentation is bound to no terms; the check is for terms with digest ${context.binding}`)
    else if (p.binding !== context.binding) fail('binding-mismatch', `the presentation is bound to other terms (${isBinding(p.binding) ? p.binding : quote(p.binding)}) than the check's ${context.binding}`)
  } else if (p.binding !== undefined) {
    fail('binding-unchecked', 'the presentation is bound to terms, but the check was given none to compare (context.binding)')
  }
  check.times(p, 'presentation', (code, message) => fail(code, `presentation: ${message}`))
  await check.signature(jws, holder, 'authentication', undefined, 'presentation', 'holder', fail)

  // Every credential verifies on its own; reasons keep presentation order whatever finishes first.
  const results = await Promise.all((list as string[]).map((jwt, i) => check.credential(jwt, `credential[${i}]`)))
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
  if (typeof requirement.action !== 'string' || requirement.action.length === 0) throw new TypeError('requirement.action must be a non-empty string')
  if (requirement.onBehalfOf !== undefined && typeof requirement.onBehalfOf !== 'string') throw new TypeError('requirement.onBehalfOf must be a DID')
  const kw = requirement.capacityKw
  if (kw !== undefined && (typeof kw !== 'number' || !Number.isFinite(kw) || kw < 0)) throw new RangeError('requirement.capacityKw must be a non-negative number')
}

function capacityOf(role: RoleName, claims: Record<string, unknown> | undefined): number | undefined {
  const value =
    role === 'user' ? claims?.contractedCapacityKva : role === 'aggregator' ? claims?.maxAggregatedCapacityKw : claims?.maxLoadKw
  return typeof value === 'number' ? value : undefined
}

type Fail = (code: ReasonCode, message: string) => void

/** An attacker-supplied value for a message: JSON, truncated, never `String()` of an object. */
function quote(value: unknown): string {
  return (JSON.stringify(value) ?? typeof value).slice(0, 60)
}

/** Runs a check with its own reason list (for checks that run concurrently). */
async function collect(run: (fail: Fail) => Promise<void>): Promise<Reason[]> {
  const reasons: Reason[] = []
  await run((code, message) => reasons.push({ code, message }))
  return reasons
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

const KINDS = Object.entries(CREDENTIAL_TYPES) as [CredentialKind, string][]

/** One verification: the context, plus memos so no DID or resource is resolved twice in it. */
class Check {
  readonly #ctx: VerificationContext
  readonly #skew: number
  /** The trust registry's network: `height` is a height of its ledger, and of no other. */
  readonly #network: string
  readonly #timelines = new Map<string, Promise<DidTimeline | string>>()
  readonly #resources = new Map<string, Promise<Readonly<{ [key: string]: JsonValue }> | string>>()
  #registry: Promise<ParsedTrustRegistry | string> | undefined

  constructor(context: VerificationContext) {
    if (typeof context !== 'object' || context === null) throw new TypeError('context must be an object')
    if (typeof context.resolver?.timeline !== 'function') throw new TypeError('context.resolver must be a GridResolver')
    let network: string
    try {
      network = parseDidUrl(context.trustRegistry).network
    } catch {
      throw new TypeError('context.trustRegistry must be the did:grid URL of the trust registry')
    }
    if (!Number.isSafeInteger(context.time) || context.time < 0) throw new RangeError('context.time must be Unix seconds')
    if (!Number.isSafeInteger(context.height) || context.height < 0) throw new RangeError('context.height must be a ledger height')
    const skew = context.clockSkew ?? 0
    if (!Number.isSafeInteger(skew) || skew < 0 || skew > 3600) throw new RangeError('context.clockSkew must be 0-3600 seconds')
    this.#ctx = context
    this.#skew = skew
    this.#network = network
  }

  async credential(jwt: string, label: string): Promise<CredentialVerification> {
    const out: CredentialVerification = { verified: false, reasons: [] }
    const fail: Fail = (code, message) => out.reasons.push({ code, message: `${label}: ${message}` })
    const jws = decodeJws(jwt, MAX_VC)
    if (typeof jws === 'string') {
      fail('credential-malformed', jws)
      return out
    }
    const p = jws.payload
    const vc = p.vc as Record<string, unknown> | undefined
    const types = vc?.type
    const kinds = Array.isArray(types) ? KINDS.filter(([, t]) => types.includes(t)) : []
    const subject = vc?.credentialSubject as Record<string, unknown> | undefined
    if (
      typeof p.iss !== 'string' ||
      typeof p.sub !== 'string' ||
      typeof p.jti !== 'string' ||
      typeof vc !== 'object' ||
      vc === null ||
      !Array.isArray(types) ||
      !types.includes('VerifiableCredential') ||
      kinds.length !== 1 ||
      typeof subject !== 'object' ||
      subject === null ||
      Array.isArray(subject) ||
      (subject.id !== undefined && subject.id !== p.sub)
    ) {
      fail('credential-malformed', 'needs iss, sub, jti and a vc with exactly one did:grid credential type and a credentialSubject')
      return out
    }
    const kind = kinds[0]![0]
    Object.assign(out, { kind, id: p.jti, issuer: p.iss, subject: p.sub, claims: subject })
    if (!this.times(p, 'credential', fail)) return out
    out.validFrom = (p.nbf ?? p.iat) as number
    out.validUntil = p.exp as number
    const iat = p.iat as number
    const issuer = p.iss
    // Nothing an unauthenticated token names is read before its signature and issuer check out: no
    // attacker-chosen status list is decompressed and no claim meets a schema pattern unless a
    // trusted issuer signed it.
    const signed = await collect((f) => this.signature(jws, issuer, 'assertionMethod', iat, 'credential', 'issuer', f))
    const trusted = signed.length > 0 ? [] : await collect((f) => this.trust(kind, issuer, f))
    // Schema and status are independent: run them together, report in a fixed order, so every node
    // lists the same reasons whatever finished first.
    const parts =
      signed.length > 0 || trusted.length > 0
        ? []
        : await Promise.all([
            collect((f) => this.schema(kind, vc, subject, f)),
            collect((f) => this.status(kind, issuer, vc.credentialStatus, f)),
          ])
    for (const part of [signed, trusted, ...parts]) for (const r of part) fail(r.code, r.message)
    out.verified = out.reasons.length === 0
    return out
  }

  /** Time claims: integers; `iat`/`nbf` not in the future, `exp` not past (± skew). `exp` and `iat` are required. */
  times(p: Record<string, unknown>, what: 'credential' | 'presentation', fail: Fail): boolean {
    const t = this.#ctx.time
    for (const name of ['iat', 'nbf', 'exp'] as const) {
      const v = p[name]
      if (v === undefined ? name !== 'nbf' : !Number.isSafeInteger(v) || (v as number) < 0 || (v as number) > MAX_TIME) {
        fail(`${what}-malformed`, `${name} must be an integer number of seconds up to 9999-12-31${v === undefined ? ' and is required' : ''}`)
        return false
      }
    }
    const nbf = (p.nbf ?? p.iat) as number | undefined
    if (nbf !== undefined && nbf > t + this.#skew) fail(`${what}-not-yet-valid`, `not valid before ${isoSeconds(nbf)} (time is ${isoSeconds(t)})`)
    if (typeof p.iat === 'number' && p.iat > t + this.#skew) fail(`${what}-not-yet-valid`, `issued in the future (${isoSeconds(p.iat)})`)
    if (typeof p.exp === 'number' && p.exp <= t - this.#skew) fail(`${what}-expired`, `expired at ${isoSeconds(p.exp)} (time is ${isoSeconds(t)})`)
    return true
  }

  /**
   * The JWS is signed by `kid`, a key of `did` in `relationship` as of the context height — or, for
   * credentials, at some moment of the `iat` second when the key was since rotated out, unless a
   * recovery dropped it.
   */
  async signature(
    jws: DecodedJws,
    did: string,
    relationship: VerificationRelationship,
    iat: number | undefined,
    what: 'credential' | 'presentation',
    who: 'issuer' | 'holder',
    fail: Fail,
  ): Promise<void> {
    const kid = jws.header.kid
    const fragment = kid.startsWith(`${did}#`) ? kid.slice(did.length + 1) : undefined
    if (fragment === undefined) return fail('kid-not-found', `kid ${kid.slice(0, 120)} is not a key of ${did}`)
    const timeline = await this.timeline(did)
    if (typeof timeline === 'string') return fail(`${who}-not-found`, timeline)
    const current = timeline.states.at(-1)
    if (!current) return fail(`${who}-not-found`, `${did} does not exist at ledger height ${this.#ctx.height}`)
    if (current.deactivated) return fail(`${who}-deactivated`, `${did} is deactivated`)
    // Credentials: the keys `kid` named at some moment of the `iat` second, then today's.
    const past = iat !== undefined ? historicalKeys(timeline, fragment, relationship, iat) : { keys: [], compromised: [] }
    if (past.compromised.length > 0 && past.keys.length === 0) return fail('key-compromised', `${kid} was dropped by a recovery of ${did} after it signed`)
    const candidates = [...past.keys, keyOf(current, fragment, relationship)].filter((k): k is Uint8Array => k !== undefined)
    if (candidates.length === 0) {
      return current.verificationMethods.some((vm) => vm.id === fragment)
        ? fail('kid-wrong-relationship', `${kid} is not in the ${relationship} relationship of ${did}`)
        : fail('kid-not-found', `${kid} is not in the DID document of ${did}`)
    }
    const verifies = (key: Uint8Array, i: number, all: Uint8Array[]) =>
      !all.slice(0, i).some((k) => sameBytes(k, key)) && verifyEd25519(jws.signature, jws.signingInput, key)
    if (candidates.some(verifies)) return
    // Signed by a key that was in force during the `iat` second, but that a recovery dropped since.
    if (past.compromised.some(verifies)) return fail('key-compromised', `${kid} was dropped by a recovery of ${did} after it signed`)
    fail(`${what}-signature`, `the signature does not verify with ${kid}`)
  }

  async trust(kind: CredentialKind, issuer: string, fail: Fail): Promise<void> {
    const registry = await this.registry()
    if (typeof registry === 'string') return fail('trust-registry-unavailable', registry)
    if (kind !== 'mandate' && !registry.issuers.get(kind)?.has(issuer)) {
      fail('issuer-untrusted', `${issuer} is not trusted to issue ${kind} credentials`)
    }
  }

  async schema(kind: CredentialKind, vc: Record<string, unknown>, subject: Record<string, unknown>, fail: Fail): Promise<void> {
    const registry = (await this.registry()) as ParsedTrustRegistry // trust() has read it
    const url = registry.schemas.get(kind)
    const named = (vc.credentialSchema as Record<string, unknown> | undefined)?.id
    if (url === undefined) return fail('schema-unavailable', `the trust registry names no schema for ${kind}`)
    if (named !== url) return fail('schema-invalid', `credentialSchema must be ${url}`)
    const resource = await this.resource(url, 'JsonSchema')
    if (typeof resource === 'string') return fail('schema-unavailable', resource)
    let errors: string[]
    try {
      const { id: _id, ...claims } = subject
      errors = claimErrors(resource as JsonSchema, claims)
    } catch (err) {
      return fail('schema-unavailable', `${url} does not compile: ${(err as Error).message}`)
    }
    if (errors.length > 0) fail('schema-invalid', errors.join('; '))
  }

  async status(kind: CredentialKind, issuer: string, value: unknown, fail: Fail): Promise<void> {
    const entries = value === undefined ? [] : Array.isArray(value) ? value : [value]
    // One entry per purpose at most: a credential cannot make the verifier read a list of lists.
    if (entries.length > 2) return fail('status-invalid', `at most one revocation and one suspension entry, got ${entries.length}`)
    const purposes = new Set<string>()
    const perEntry = await Promise.all(
      entries.map((e: Record<string, unknown>) => collect(async (fail) => {
        if (typeof e !== 'object' || e === null || e.type !== 'BitstringStatusListEntry') return fail('status-invalid', 'a credentialStatus entry is not a BitstringStatusListEntry')
        const { statusPurpose: purpose, statusListIndex: index, statusListCredential: url } = e
        if (purpose !== 'revocation' && purpose !== 'suspension') return fail('status-invalid', `unknown statusPurpose ${quote(purpose)}`)
        if (purposes.has(purpose)) return fail('status-invalid', `two ${purpose} entries`)
        purposes.add(purpose)
        if (typeof index !== 'string' || !/^(0|[1-9][0-9]{0,8})$/.test(index)) return fail('status-invalid', 'statusListIndex must be a decimal string')
        // Only the issuer's own lists count: anyone could publish a list where nothing is revoked.
        if (typeof url !== 'string' || !url.startsWith(`${issuer}/resources/`)) return fail('status-invalid', `the ${purpose} list is not a resource of ${issuer}`)
        const bits = await this.statusList(url, purpose)
        if (typeof bits === 'string') return fail('status-unavailable', bits)
        const i = Number(index)
        if (i >= bits.length) return fail('status-invalid', `statusListIndex ${i} is outside the ${bits.length}-entry list`)
        if (bits.get(i)) fail(purpose === 'revocation' ? 'status-revoked' : 'status-suspended', `${purpose === 'revocation' ? 'revoked' : 'suspended'} (${url} #${i})`)
      })),
    )
    for (const part of perEntry) for (const r of part) fail(r.code, r.message)
    if (kind !== 'mandate') {
      for (const purpose of ['revocation', 'suspension'] as const) {
        if (!purposes.has(purpose)) fail('status-missing', `a ${kind} credential needs a ${purpose} status entry`)
      }
    }
  }

  async statusList(url: string, purpose: StatusPurpose): Promise<Bitstring | string> {
    const resolved = await this.resource(url, STATUS_LIST_RESOURCE_TYPE)
    if (typeof resolved === 'string') return resolved
    const read = readStatusListContent(resolved, url)
    if (typeof read === 'string') return `${url}: ${read}`
    if (read.purpose !== purpose) return `${url} is a ${read.purpose} list, not a ${purpose} list`
    let bits = decodedLists.get(resolved)
    if (!bits) {
      bits = Bitstring.decode(read.encodedList).catch((err: Error) => `${url}: ${err.message}`)
      decodedLists.set(resolved, bits)
    }
    return bits
  }

  timeline(did: string): Promise<DidTimeline | string> {
    let memo = this.#timelines.get(did)
    if (!memo) {
      const elsewhere = this.#offNetwork(did)
      memo = elsewhere ? Promise.resolve(elsewhere) : this.#ctx.resolver.timeline(did, this.#ctx.height).catch((err: unknown) => {
        // Not a did:grid DID or a network nobody configured: a verdict. An outage: thrown.
        if (err instanceof InvalidDidError || err instanceof UnknownNetworkError) return `${did.slice(0, 120)}: ${err.message}`
        throw err
      })
      this.#timelines.set(did, memo)
    }
    return memo
  }

  /** Why a DID cannot be read at this height: it lives on another ledger, whose heights mean nothing here. */
  #offNetwork(did: string): string | undefined {
    let network: string
    try {
      network = parseDid(did).network
    } catch {
      return undefined // the resolver reports a bad DID
    }
    return network === this.#network ? undefined : `${did.slice(0, 120)} is on network ${network}; a check at a height of ${this.#network} reads only ${this.#network}`
  }

  registry(): Promise<ParsedTrustRegistry | string> {
    this.#registry ??= this.resource(this.#ctx.trustRegistry, TRUST_REGISTRY_TYPE).then((content) => (typeof content === 'string' ? content : readTrustRegistry(content)))
    return this.#registry
  }

  /** A resource's content as of the context height, or why it cannot be used. Outages throw. */
  resource(url: string, type?: string): Promise<Readonly<{ [key: string]: JsonValue }> | string> {
    const key = `${type ?? ''} ${url}`
    let memo = this.#resources.get(key)
    if (!memo) {
      memo = this.#readResource(url, type)
      this.#resources.set(key, memo)
    }
    return memo
  }

  async #readResource(url: string, type?: string): Promise<Readonly<{ [key: string]: JsonValue }> | string> {
    try {
      const elsewhere = this.#offNetwork(parseDidUrl(url).did)
      if (elsewhere) return elsewhere
      const { version, ownerDeactivated } = await this.#ctx.resolver.resolveResource(url, { ledgerHeight: this.#ctx.height })
      if (ownerDeactivated) return `the owner of ${url} is deactivated`
      if (type !== undefined && version.resourceType !== type) return `${url} is a ${version.resourceType}, not a ${type}`
      return version.content
    } catch (err) {
      if (err instanceof ResourceNotFoundError || err instanceof InvalidDidUrlError || err instanceof InvalidDidError || err instanceof UnknownNetworkError) {
        return err.message
      }
      throw err
    }
  }
}

/** Decoded status lists per anchored version (the resolver shares each version's content object). */
const decodedLists = new WeakMap<object, Promise<Bitstring | string>>()

function keyOf(state: DidState, fragment: string, relationship: VerificationRelationship): Uint8Array | undefined {
  const vm = state.verificationMethods.find((v) => v.id === fragment)
  return vm && vm.purposes.includes(relationship) ? decodeMultikey(vm.publicKeyMultibase, 'Ed25519').publicKey : undefined
}

/**
 * The keys `fragment` had in `relationship` at any moment of the `iat` second: in the version in
 * force when that second began (the last one anchored before it) and in every version anchored
 * within it. Anchoring times and `iat` are whole seconds, so which came first within one second is
 * unknowable, and a key in force at any moment of it may have signed. A key that a later recovery
 * left out is `compromised`: a recovery says the old keys may be compromised.
 */
function historicalKeys(
  timeline: DidTimeline,
  fragment: string,
  relationship: VerificationRelationship,
  iat: number,
): { keys: Uint8Array[]; compromised: Uint8Array[] } {
  const { versions, states } = timeline
  const out: { keys: Uint8Array[]; compromised: Uint8Array[] } = { keys: [], compromised: [] }
  let first = 0
  while (first + 1 < versions.length && versions[first + 1]!.time < iat) first++
  for (let at = first; at < versions.length && versions[at]!.time <= iat; at++) {
    const vm = states[at]!.verificationMethods.find((v) => v.id === fragment)
    if (!vm || !vm.purposes.includes(relationship)) continue
    let dropped = false
    for (let i = at + 1; i < versions.length && !dropped; i++) {
      dropped = versions[i]!.type === 'recover' && !states[i]!.verificationMethods.some((v) => v.publicKeyMultibase === vm.publicKeyMultibase)
    }
    ;(dropped ? out.compromised : out.keys).push(decodeMultikey(vm.publicKeyMultibase, 'Ed25519').publicKey)
  }
  return out
}
