import { getAddress, hashTypedData, isAddress, keccak256, stringToBytes, type Address, type Hex } from '../ledger/peers/viem.js'

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

/** @internal */
export function checkDomain(domain: GateDomain): void {
  if (typeof domain !== 'object' || domain === null) throw new TypeError('domain must be { chainId, gate }')
  if (!Number.isSafeInteger(domain.chainId) || domain.chainId <= 0) throw new RangeError('domain.chainId must be a positive integer')
  if (typeof domain.gate !== 'string' || !isAddress(domain.gate, { strict: false })) throw new TypeError('domain.gate must be an address')
}

function checkAttestation(a: RoleAttestation): void {
  if (typeof a !== 'object' || a === null) throw new TypeError('attestation must be an object')
  if (typeof a.consumer !== 'string' || !isAddress(a.consumer, { strict: false }))
    throw new TypeError('attestation.consumer must be an address')
  for (const field of ['subject', 'actingFor', 'role', 'action', 'terms', 'presentation'] as const) {
    if (typeof a[field] !== 'string' || !BYTES32.test(a[field]))
      throw new TypeError(`attestation.${field} must be a bytes32 (0x and 64 hex digits)`)
  }
  for (const [field, max] of [
    ['capacityW', (1n << 256n) - 1n],
    ['licensedW', (1n << 256n) - 1n],
    ['height', UINT64_MAX],
    ['expiry', UINT64_MAX],
  ] as const) {
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
