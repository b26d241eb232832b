import { getAddress, isAddress, type Address, type Hex } from '../ledger/peers/viem.js'
import { ROLES, type RoleName } from '../vc/roles.js'
import { hashString } from './attestation.js'

/**
 * The terms of a bid to `GridDemandResponse`, in JCS key order. Values are only lowercase hex,
 * role names and safe integers, so the contract rebuilds the exact RFC 8785 bytes by concatenation
 * and hashes them with the SHA-256 precompile: `termsDigest(terms)` is the presentation's binding
 * and the attestation's `terms`. No DID or personal datum: the user acted for is a keccak256 hash.
 */
export type ChainBidTerms = {
  /** keccak256 of the UTF-8 DID of the user acted for (the bidder's own DID when it bids for itself). */
  actingFor: Hex
  /** The capacity bid, whole kW. */
  capacityKw: number
  /** The chain's id (EIP-155). */
  chainId: number
  /** The demand-response contract, lowercase hex. */
  consumer: Address
  /** The event id, a bytes32 as lowercase hex. */
  event: Hex
  /** The price bid, whole fen per kWh (the contract compares it with the event's cap). */
  priceFen: number
  role: RoleName
}

/**
 * The terms of an aggregator's claim to receive the subsidy of bid `bid` (`settlement.receive`) from
 * `GridSettlement`, in JCS key order.
 */
export type ChainClaimTerms = {
  /** The bid's number in the demand-response contract (from 1). */
  bid: number
  chainId: number
  /** The settlement contract, lowercase hex. */
  consumer: Address
  /** The event id, a bytes32 as lowercase hex. */
  event: Hex
}

/** The largest capacity in kW whose watts (`capacityKw × 1000`) are still a safe integer: the contract's bound too. */
export const MAX_CHAIN_CAPACITY_KW = Math.floor(Number.MAX_SAFE_INTEGER / 1000)

const BYTES32 = /^0x[0-9a-fA-F]{64}$/

function chainIdOf(chainId: unknown): number {
  if (typeof chainId !== 'number') throw new TypeError('chainId must be a number')
  if (!Number.isSafeInteger(chainId) || chainId < 1) throw new RangeError('chainId must be a positive safe integer')
  return chainId
}

function addressOf(name: string, value: unknown): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false }))
    throw new TypeError(`${name} must be a 0x-prefixed 20-byte address`)
  return value.toLowerCase() as Address
}

function bytes32Of(name: string, value: unknown): Hex {
  if (typeof value !== 'string' || !BYTES32.test(value)) throw new TypeError(`${name} must be a bytes32 (0x and 64 hex digits)`)
  return value.toLowerCase() as Hex
}

function countOf(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`)
  if (!Number.isSafeInteger(value) || value < 1 || value > max)
    throw new RangeError(`${name} must be an integer from 1 to ${max}, got ${value}`)
  return value
}

/**
 * The bid terms a bidder binds its presentation to and `GridDemandResponse.bid` rebuilds on chain:
 * `{"actingFor","capacityKw","chainId","consumer","event","priceFen","role"}`. Pass the result to
 * `termsDigest` for the binding.
 *
 * @throws {TypeError} for a value of the wrong type (an address, a bytes32, a DID that is no string);
 *   {@link RangeError} for a chain id, capacity or price that is not a safe integer ≥ 1 (capacity at
 *   most {@link MAX_CHAIN_CAPACITY_KW}), an unknown role or a string that is not a DID.
 * @example
 * ```ts
 * const terms = chainBidTerms({ chainId: 1337, consumer: demandResponse, event, role: 'user', actingFor: user.did, capacityKw: 120, priceFen: 1200 })
 * const vp = await createPresentation({ holder, credentials, audience: consumerAudience(1337, demandResponse), challenge, binding: termsDigest(terms) })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export function chainBidTerms(input: {
  chainId: number
  consumer: string
  event: string
  role: RoleName
  /** The DID of the user acted for (the bidder's own DID when it bids for itself): hashed here. */
  actingFor: string
  capacityKw: number
  priceFen: number
}): ChainBidTerms {
  if (typeof input !== 'object' || input === null) throw new TypeError('bid terms must be an object')
  const { actingFor, role } = input
  if (typeof actingFor !== 'string') throw new TypeError('actingFor must be a DID string')
  if (!/^did:[a-z0-9]+:\S+$/.test(actingFor)) throw new RangeError('actingFor must be a DID (did:method:id)')
  if (typeof role !== 'string') throw new TypeError('role must be a string')
  if (!ROLES.includes(role)) throw new RangeError(`role must be one of ${ROLES.join(', ')}, got ${role}`)
  return {
    actingFor: hashString(actingFor),
    capacityKw: countOf('capacityKw', input.capacityKw, MAX_CHAIN_CAPACITY_KW),
    chainId: chainIdOf(input.chainId),
    consumer: addressOf('consumer', input.consumer),
    event: bytes32Of('event', input.event),
    priceFen: countOf('priceFen', input.priceFen),
    role,
  }
}

/**
 * The claim terms an aggregator binds its `settlement.receive` presentation to and
 * `GridSettlement.claim` rebuilds on chain: `{"bid","chainId","consumer","event"}`.
 *
 * @throws {TypeError} for a value of the wrong type; {@link RangeError} for a chain id or bid number
 *   that is not a safe integer ≥ 1.
 * @example
 * ```ts
 * const binding = termsDigest(chainClaimTerms({ chainId: 1337, consumer: settlement, event, bid: 3 }))
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export function chainClaimTerms(input: { chainId: number; consumer: string; event: string; bid: number }): ChainClaimTerms {
  if (typeof input !== 'object' || input === null) throw new TypeError('claim terms must be an object')
  return {
    bid: countOf('bid', input.bid),
    chainId: chainIdOf(input.chainId),
    consumer: addressOf('consumer', input.consumer),
    event: bytes32Of('event', input.event),
  }
}

/**
 * The audience (`aud`) of a presentation used on chain: the consuming contract as a CAIP-10 account
 * id, `eip155:<chainId>:<EIP-55 checksummed address>`.
 *
 * @throws {TypeError} when `address` is not an address; {@link RangeError} for a chain id that is not a positive safe integer.
 * @example
 * ```ts
 * consumerAudience(1337, '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512') // 'eip155:1337:0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export function consumerAudience(chainId: number, address: string): string {
  return `eip155:${chainIdOf(chainId)}:${getAddress(addressOf('address', address))}`
}
