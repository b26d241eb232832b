import { recoverTypedDataAddress, type Address, type Hex } from '../ledger/peers/viem.js'
import { roleAttestationTypedData, type GateDomain, type RoleAttestation } from './role-attestation.js'

const SIGNATURE = /^0x[0-9a-fA-F]{130}$/

/** Half the order of secp256k1: the gate refuses an `s` above it (EIP-2), as it refuses a `v` other than 27 or 28 and `r` = 0. */
const HALF_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

/** The gate's own rules for a signature (`BadSignature`), so an off-chain count never includes one it refuses. */
function assertGateSignature(signature: string): void {
  const r = BigInt(`0x${signature.slice(2, 66)}`)
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  const v = Number.parseInt(signature.slice(130, 132), 16)
  if (r === 0n || s === 0n || s > HALF_ORDER || (v !== 27 && v !== 28)) {
    throw new TypeError(
      'a signature the gate refuses (BadSignature): r and s must be non-zero, s in the lower half of the curve order, v 27 or 28',
    )
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
    if (typeof signature !== 'string' || !SIGNATURE.test(signature))
      throw new TypeError('each signature must be 65 bytes as 0x and 130 hex digits')
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
