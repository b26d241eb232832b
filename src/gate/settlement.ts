import { encodeAbiParameters, keccak256, type Hex } from '../ledger/peers/viem.js'
import { fromHex, toHex } from '../lib/bytes.js'
import { merkleRoot } from '../ledger/merkle.js'
import { ROLES, type RoleName } from '../vc/roles.js'

/**
 * One settlement record of `GridSettlement` (contracts/Settlement.sol, struct `Record`), as anyone
 * holding the event's bids, deliveries and claims rebuilds it. DIDs are keccak256 hashes.
 */
export interface ChainSettlementRecord {
  /** The event id (bytes32). */
  eventId: Hex
  /** The bid's number in the demand-response contract. */
  bid: number
  /** keccak256 of the bidder's DID. */
  participant: Hex
  role: RoleName
  /** keccak256 of the DID of the user acted for. */
  actingFor: Hex
  /** keccak256 of the payee's DID: the participant when `viaMandate`, else the user acted for. */
  payee: Hex
  /** Whether the aggregator is paid under a mandate covering `settlement.receive`. */
  viaMandate: boolean
  committedWh: number
  deliveredKwh: number
  payableWh: number
  /** Cleared price, fen per kWh: the bid's price, at most the event's cap. */
  priceFen: number
  subsidyFen: number
}

const RECORD = [
  { type: 'bytes32' },
  { type: 'uint256' },
  { type: 'bytes32' },
  { type: 'uint8' },
  { type: 'bytes32' },
  { type: 'bytes32' },
  { type: 'bool' },
  { type: 'uint64' },
  { type: 'uint64' },
  { type: 'uint64' },
  { type: 'uint64' },
  { type: 'uint64' },
] as const

const BYTES32 = /^0x[0-9a-fA-F]{64}$/

/**
 * A settlement record's leaf data, `keccak256(abi.encode(record))`, exactly as `GridSettlement`
 * computes it; the Merkle leaf hash is then `sha256(0x00 ‖ leaf)` (RFC 6962).
 *
 * @throws {TypeError} / {RangeError} for a malformed field (a hash that is no bytes32, an unknown
 *   role, an amount that is not a safe integer ≥ 0, a bid number < 1).
 * @example
 * ```ts
 * const leaf = chainSettlementLeaf({ eventId, bid: 1, participant, role: 'user', actingFor: participant, payee: participant,
 *   viaMandate: false, committedWh: 120_000, deliveredKwh: 110, payableWh: 110_000, priceFen: 1200, subsidyFen: 132_000 })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export function chainSettlementLeaf(record: ChainSettlementRecord): Hex {
  if (typeof record !== 'object' || record === null) throw new TypeError('record must be an object')
  for (const field of ['eventId', 'participant', 'actingFor', 'payee'] as const) {
    if (typeof record[field] !== 'string' || !BYTES32.test(record[field]))
      throw new TypeError(`record.${field} must be a bytes32 (0x and 64 hex digits)`)
  }
  const role = ROLES.indexOf(record.role)
  if (role < 0) throw new RangeError(`record.role must be one of ${ROLES.join(', ')}`)
  if (typeof record.viaMandate !== 'boolean') throw new TypeError('record.viaMandate must be a boolean')
  for (const field of ['bid', 'committedWh', 'deliveredKwh', 'payableWh', 'priceFen', 'subsidyFen'] as const) {
    const value = record[field]
    if (typeof value !== 'number') throw new TypeError(`record.${field} must be a number`)
    if (!Number.isSafeInteger(value) || value < (field === 'bid' ? 1 : 0))
      throw new RangeError(`record.${field} must be a safe integer ≥ ${field === 'bid' ? 1 : 0}`)
  }
  return keccak256(
    encodeAbiParameters(RECORD, [
      record.eventId,
      BigInt(record.bid),
      record.participant,
      role,
      record.actingFor,
      record.payee,
      record.viaMandate,
      BigInt(record.committedWh),
      BigInt(record.deliveredKwh),
      BigInt(record.payableWh),
      BigInt(record.priceFen),
      BigInt(record.subsidyFen),
    ]),
  )
}

/**
 * The Merkle root `GridSettlement.settle` stores and emits for an event: the RFC 6962 tree hash
 * (SHA-256) over {@link chainSettlementLeaf} of each record, in bid order.
 *
 * @throws {RangeError} when `records` is empty; as {@link chainSettlementLeaf} for a malformed record.
 * @example
 * ```ts
 * chainSettlementRoot(records) === await settlement.read.roots([eventId]) // true
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export function chainSettlementRoot(records: readonly ChainSettlementRecord[]): Hex {
  if (!Array.isArray(records)) throw new TypeError('records must be an array')
  if (records.length === 0) throw new RangeError('records must not be empty')
  const leaves = records.map((record) => fromHex(chainSettlementLeaf(record).slice(2)))
  return `0x${toHex(merkleRoot(leaves))}`
}
