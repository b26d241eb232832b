import { getAddress, isAddress, type Address, type Hex } from '../ledger/peers/viem.js'
import type { LocalAccount } from 'viem/accounts'
import { HeightNotReachedError } from '../errors.js'
import type { EvmLedger } from '../ledger/evm.js'
import type { Ledger } from '../ledger/types.js'
import { parseDidUrl } from '../method/did.js'
import { GridResolver } from '../resolver/resolver.js'
import type { RoleRequirement } from '../vc/verify.js'
import { attestRole, type SignedAttestation } from './attestation.js'
import { consumerAudience } from './terms.js'

/**
 * The ledger an attestor decides on: a `ChainIndex` (or any ledger) that follows an EVM chain
 * and names it as `chain`, so the time of a block is read from the chain itself.
 */
export type AttestorIndex = Ledger & { readonly chain: Pick<EvmLedger, 'blockTime'> }

/** Options of {@link createAttestor}. */
export interface AttestorOptions {
  /** The attestor's own index of the chain (e.g. a `ChainIndex` it keeps syncing). */
  index: AttestorIndex
  /** The attestor's EVM account (a viem `LocalAccount`): its address is registered in the gate. */
  account: LocalAccount
  /** The `GridRoleGate` contract the attestations are for. */
  gate: string
  /** The chain's id (EIP-155). */
  chainId: number
  /** The did:grid URL of the utility's trust registry. */
  trustRegistry: string
  /** Networks whose DIDs live on the chain (default: the trust registry's network). */
  networks?: readonly string[]
  /** Longest life of an attestation past the time of its block, seconds (default 600). */
  maxTtlSeconds?: number
  /**
   * Clock skew tolerated for the presentation's and credentials' `iat`/`nbf`/`exp` against the
   * block's time, seconds (0–3600, default 60): a presentation made just now is usually a little
   * younger than the last block. A consortium-wide constant: attestors with different skews may
   * disagree on a presentation at the edge.
   */
  clockSkewSeconds?: number
}

/** What an attestor is asked (the body of `POST /1.0/attestations`). */
export interface AttestationRequest {
  /** The presentation JWT, addressed to the consumer (`consumerAudience(chainId, consumer)`). */
  presentation: string
  requirement: RoleRequirement
  /** The consuming contract that will call the gate's `verify`. */
  consumer: string
  /** The consumer's challenge the presentation answers (its `nonce`). */
  challenge: string
  /** The terms the presentation authorises (their digest is compared with its binding). */
  terms?: { readonly [key: string]: unknown }
  /** Or their digest, `termsDigest(terms)`. */
  binding?: string
  /** The height to decide at (default: the index's synced, finalized height). */
  height?: number
  /** Unix seconds (default and most: the block's time + `maxTtlSeconds`). */
  expiry?: number
}

/** An attestor: one consortium member's signing service over its own index. */
export interface Attestor {
  /** The attestor's EVM address. */
  readonly address: Address
  readonly chainId: number
  /** The gate (checksummed). */
  readonly gate: Address
  /** The height the attestor's index has reached: the default decision height. */
  height(): Promise<number>
  /** The index's last background sync failure (a `ChainIndex` following the chain), cleared by the next success. */
  syncError(): unknown
  /**
   * Decides `request` at its height with the time of that block and, when allowed, signs.
   * @throws {AttestationRefusedError} for a denial (with its reasons); `HeightNotReachedError`
   *   when the height is above the synced one; ledger errors (`ERR_GRID_LEDGER_UNAVAILABLE`) when
   *   the chain cannot be read — never a denial; TypeError / RangeError for a malformed request.
   */
  attest(request: AttestationRequest): Promise<SignedAttestation & { height: number; time: number }>
}

/**
 * An attestor over an index that follows the chain: for every request it takes the height (default:
 * the synced, finalized one), the time of that block from the chain, the consumer's CAIP-10
 * audience and an expiry no later than that time plus `maxTtlSeconds` (default exactly that), then
 * runs {@link attestRole}. Everything the signed bytes depend on comes from the request and the
 * chain, never from the attestor's clock: every honest attestor given the same request at the same
 * height signs the same typed data.
 *
 * @example
 * ```ts
 * const index = new ChainIndex('./chain.db', new EvmLedger({ rpc, registry }), { create: true })
 * index.start(1000)
 * const attestor = createAttestor({ index, account, gate, chainId: 1337, trustRegistry })
 * const { attestation, signature } = await attestor.attest({ presentation, requirement, consumer, challenge, terms })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#attestor-service
 */
export function createAttestor(options: AttestorOptions): Attestor {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  const { index, account, chainId, trustRegistry } = options
  if (typeof index?.head !== 'function' || typeof index.chain?.blockTime !== 'function')
    throw new TypeError('index must be a ledger that follows a chain (a ChainIndex)')
  if (typeof account !== 'object' || account === null || typeof account.signTypedData !== 'function')
    throw new TypeError('account must be a viem LocalAccount')
  if (typeof options.gate !== 'string' || !isAddress(options.gate, { strict: false })) throw new TypeError('gate must be an address')
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new RangeError('chainId must be a positive integer')
  if (typeof trustRegistry !== 'string') throw new TypeError('trustRegistry must be the did:grid URL of the trust registry')
  const ttl = options.maxTtlSeconds ?? 600
  if (!Number.isSafeInteger(ttl) || ttl < 1) throw new RangeError('maxTtlSeconds must be a positive integer')
  const clockSkew = options.clockSkewSeconds ?? 60
  if (!Number.isSafeInteger(clockSkew) || clockSkew < 0 || clockSkew > 3600) throw new RangeError('clockSkewSeconds must be 0-3600 seconds')
  const networks = options.networks ?? [parseDidUrl(trustRegistry).network]
  if (!Array.isArray(networks) || networks.length === 0 || !networks.every((n) => typeof n === 'string'))
    throw new TypeError('networks must be network names')
  const gate = getAddress(options.gate)
  const resolver = new GridResolver({ networks: Object.fromEntries(networks.map((n) => [n, index])) })
  const synced = async () => (await index.head()).finalizedHeight

  return {
    address: account.address,
    chainId,
    gate,
    height: synced,
    syncError: () => (index as { lastError?: unknown }).lastError,
    async attest(request) {
      if (typeof request !== 'object' || request === null) throw new TypeError('request must be an object')
      const { presentation, requirement, consumer, challenge, terms, binding, height: asked, expiry: askedExpiry } = request
      if (typeof consumer !== 'string' || !isAddress(consumer, { strict: false })) throw new TypeError('consumer must be an address')
      if (typeof challenge !== 'string' || challenge.length === 0) throw new TypeError('challenge must be a non-empty string')
      if (terms !== undefined && binding !== undefined) throw new TypeError('give terms or binding, not both')
      if (terms !== undefined && (typeof terms !== 'object' || terms === null || Array.isArray(terms)))
        throw new TypeError('terms must be an object')
      if (binding !== undefined && typeof binding !== 'string') throw new TypeError('binding must be a digest string')
      if (asked !== undefined && (!Number.isSafeInteger(asked) || asked < 0)) throw new RangeError('height must be a non-negative integer')
      const top = await synced()
      const height = asked ?? top
      if (height > top) throw new HeightNotReachedError(height, top)
      const time = await index.chain.blockTime(height)
      const latest = time + ttl
      if (askedExpiry !== undefined && (!Number.isSafeInteger(askedExpiry) || askedExpiry <= time || askedExpiry > latest)) {
        throw new RangeError(`expiry must be after the block's time ${time} and at most ${latest} (maxTtlSeconds ${ttl})`)
      }
      const signed = await attestRole({
        presentation,
        requirement,
        context: { resolver, trustRegistry, audience: consumerAudience(chainId, consumer), challenge, clockSkew },
        ...(terms !== undefined ? { terms } : binding !== undefined ? { terms: binding as Hex } : {}),
        height,
        time,
        consumer: getAddress(consumer),
        chainId,
        gate,
        expiry: askedExpiry ?? latest,
        account,
      })
      return { ...signed, height, time }
    },
  }
}
