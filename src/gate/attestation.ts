import { getAddress, hashTypedData, isAddress, keccak256, recoverTypedDataAddress, stringToBytes, type Address, type Hex } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import { AttestationRefusedError } from '../errors.js'
import { isBinding, termsDigest } from '../vc/binding.js'
import { decodeJws } from '../vc/jwt.js'
import { checkRole, type RoleCheckContext, type RoleDecision, type RoleRequirement } from '../vc/verify.js'

/** The EIP-712 domain of a `GridRoleGate`: name "GridRoleGate", version "1", the chain and the gate's address. */
export interface GateDomain {
  /** The chain's id (EIP-155). */
  chainId: number
  /** The `GridRoleGate` contract (the EIP-712 `verifyingContract`). */
  gate: Address
}

/**
 * A role decision as the gate checks it (spec §Role checks on chain — attestations). Only hashes,
 * the role, the capacity and heights: no personal data reaches the chain.
 */
export interface RoleAttestation {
  /** The consuming contract that calls the gate's `verify`. */
  consumer: Address
  /** keccak256 of the holder's DID (UTF-8). */
  subject: Hex
  /** keccak256 of the DID of the user acted for; equals `subject` when acting for itself. */
  actingFor: Hex
  /** keccak256 of the role name. */
  role: Hex
  /** keccak256 of the action, e.g. `response.bid`. */
  action: Hex
  /** The capacity the decision covers, in whole watts; 0 when none. */
  capacityW: bigint
  /**
   * The holder's licensed aggregate capacity in whole watts (`maxAggregatedCapacityKw` × 1000 of its
   * role credential, aggregators); 0 when its credential names none. A consuming contract enforces an
   * aggregator's total accepted capacity against it.
   */
  licensedW: bigint
  /** The presentation's binding: `termsDigest(terms)`, a bytes32. */
  terms: Hex
  /** keccak256 of the presentation JWT (UTF-8): the gate's replay key. */
  presentation: Hex
  /** The finalized ledger height the decision was taken at. */
  height: bigint
  /** Unix seconds after which the attestation is void. */
  expiry: bigint
}

/** The EIP-712 type, exactly as `GridRoleGate.sol` declares it. */
export const ROLE_ATTESTATION_TYPES = {
  RoleAttestation: [
    { name: 'consumer', type: 'address' },
    { name: 'subject', type: 'bytes32' },
    { name: 'actingFor', type: 'bytes32' },
    { name: 'role', type: 'bytes32' },
    { name: 'action', type: 'bytes32' },
    { name: 'capacityW', type: 'uint256' },
    { name: 'licensedW', type: 'uint256' },
    { name: 'terms', type: 'bytes32' },
    { name: 'presentation', type: 'bytes32' },
    { name: 'height', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
} as const

/** `RoleAttestation(address consumer,bytes32 subject,…,uint64 expiry)`: the encoded type string. */
export const ROLE_ATTESTATION_TYPE =
  'RoleAttestation(address consumer,bytes32 subject,bytes32 actingFor,bytes32 role,bytes32 action,uint256 capacityW,uint256 licensedW,bytes32 terms,bytes32 presentation,uint64 height,uint64 expiry)'

const BYTES32 = /^0x[0-9a-fA-F]{64}$/
const SIGNATURE = /^0x[0-9a-fA-F]{130}$/
const UINT64_MAX = (1n << 64n) - 1n

/** keccak256 of a string's UTF-8 bytes: how DIDs, roles, actions and the presentation are hashed. */
export function hashString(value: string): Hex {
  if (typeof value !== 'string') throw new TypeError('value must be a string')
  return keccak256(stringToBytes(value))
}

/**
 * Whole watts from kilowatts (`capacityKw × 1000`); 0 when absent.
 * @throws {RangeError} when the capacity is negative, not finite or not a whole number of watts.
 */
export function capacityWatts(capacityKw: number | undefined): bigint {
  if (capacityKw === undefined) return 0n
  if (typeof capacityKw !== 'number') throw new TypeError('capacityKw must be a number')
  const scaled = capacityKw * 1000
  const watts = Math.round(scaled)
  if (!Number.isFinite(scaled) || capacityKw < 0 || !Number.isSafeInteger(watts) || Math.abs(scaled - watts) > 1e-6) {
    throw new RangeError(`capacityKw must be a non-negative whole number of watts, got ${capacityKw} kW`)
  }
  return BigInt(watts)
}

function checkDomain(domain: GateDomain): void {
  if (typeof domain !== 'object' || domain === null) throw new TypeError('domain must be { chainId, gate }')
  if (!Number.isSafeInteger(domain.chainId) || domain.chainId <= 0) throw new RangeError('domain.chainId must be a positive integer')
  if (typeof domain.gate !== 'string' || !isAddress(domain.gate, { strict: false })) throw new TypeError('domain.gate must be an address')
}

function checkAttestation(a: RoleAttestation): void {
  if (typeof a !== 'object' || a === null) throw new TypeError('attestation must be an object')
  if (typeof a.consumer !== 'string' || !isAddress(a.consumer, { strict: false })) throw new TypeError('attestation.consumer must be an address')
  for (const field of ['subject', 'actingFor', 'role', 'action', 'terms', 'presentation'] as const) {
    if (typeof a[field] !== 'string' || !BYTES32.test(a[field])) throw new TypeError(`attestation.${field} must be a bytes32 (0x and 64 hex digits)`)
  }
  for (const [field, max] of [['capacityW', (1n << 256n) - 1n], ['licensedW', (1n << 256n) - 1n], ['height', UINT64_MAX], ['expiry', UINT64_MAX]] as const) {
    if (typeof a[field] !== 'bigint') throw new TypeError(`attestation.${field} must be a bigint`)
    if (a[field] < 0n || a[field] > max) throw new RangeError(`attestation.${field} is out of range`)
  }
}

/**
 * The EIP-712 typed data of an attestation for the gate at `domain`: what attestors sign and
 * `GridRoleGate.verify` recovers. Deterministic: equal inputs give byte-identical typed data.
 *
 * @throws {TypeError} / {RangeError} when a field has the wrong type or range.
 */
export function roleAttestationTypedData(domain: GateDomain, attestation: RoleAttestation) {
  checkDomain(domain)
  checkAttestation(attestation)
  return {
    domain: { name: 'GridRoleGate', version: '1', chainId: domain.chainId, verifyingContract: getAddress(domain.gate) },
    types: ROLE_ATTESTATION_TYPES,
    primaryType: 'RoleAttestation' as const,
    message: {
      consumer: getAddress(attestation.consumer),
      subject: attestation.subject.toLowerCase() as Hex,
      actingFor: attestation.actingFor.toLowerCase() as Hex,
      role: attestation.role.toLowerCase() as Hex,
      action: attestation.action.toLowerCase() as Hex,
      capacityW: attestation.capacityW,
      licensedW: attestation.licensedW,
      terms: attestation.terms.toLowerCase() as Hex,
      presentation: attestation.presentation.toLowerCase() as Hex,
      height: attestation.height,
      expiry: attestation.expiry,
    },
  }
}

/** The EIP-712 digest (`\x19\x01 ‖ domainSeparator ‖ structHash`) an attestor signs. */
export function roleAttestationDigest(domain: GateDomain, attestation: RoleAttestation): Hex {
  return hashTypedData(roleAttestationTypedData(domain, attestation))
}

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
 *   {@link HeightNotReachedError} and ledger errors when the answer cannot be known yet;
 *   TypeError / RangeError for malformed arguments (a capacity that is not whole watts).
 * @example
 * ```ts
 * const { attestation, signature } = await attestRole({ presentation: vp, requirement, context, height, time,
 *   consumer: demandResponse, chainId: 1337, gate, expiry: time + 600, account })
 * ```
 * @see ../../spec/did-grid.md#role-checks-on-chain--attestations
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
  if (typeof account !== 'object' || account === null || typeof account.signTypedData !== 'function') throw new TypeError('account must be a viem LocalAccount')
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
    reasons.push({ code: 'binding-missing', message: 'the presentation is bound to no terms: an attestation names the terms it authorises' })
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

/** Half the order of secp256k1: the gate refuses an `s` above it (EIP-2), as it refuses a `v` other than 27 or 28 and `r` = 0. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

/** The gate's own rules for a signature (`BadSignature`), so an off-chain count never includes one it refuses. */
function assertGateSignature(signature: string): void {
  const r = BigInt(`0x${signature.slice(2, 66)}`)
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  if (r === 0n || s === 0n || s > HALF_ORDER || (v !== 27 && v !== 28)) {
    throw new TypeError('a signature the gate refuses (BadSignature): r and s must be non-zero, s in the lower half of the curve order, v 27 or 28')
  }
}

/**
 * The signer of each signature over `attestation` for the gate at `domain`, in order (off chain;
 * the gate counts distinct registered ones). A tampered field recovers a different address.
 *
 * @throws {TypeError} when a signature is not 65 bytes of hex, is one the gate refuses (high `s`,
 *   `v` other than 27/28, zero `r` or `s`), or a field is malformed.
 */
export async function recoverAttestors(domain: GateDomain, attestation: RoleAttestation, signatures: readonly Hex[]): Promise<Address[]> {
  if (!Array.isArray(signatures)) throw new TypeError('signatures must be an array')
  const typed = roleAttestationTypedData(domain, attestation)
  const out: Address[] = []
  for (const signature of signatures) {
    if (typeof signature !== 'string' || !SIGNATURE.test(signature)) throw new TypeError('each signature must be 65 bytes as 0x and 130 hex digits')
    assertGateSignature(signature)
    try {
      out.push(await recoverTypedDataAddress({ ...typed, signature: signature as Hex }))
    } catch (err) {
      // An r that is no x-coordinate of the curve: the gate's ecrecover fails too (BadSignature).
      throw new TypeError('a signature the gate refuses (BadSignature): it recovers no public key', { cause: err })
    }
  }
  return out
}
