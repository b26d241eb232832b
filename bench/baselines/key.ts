/**
 * Pure-compute floor for "resolve a DID, warm": `key-did-resolver` expanding an Ed25519 did:key
 * through `did-resolver`. No ledger, no I/O: what any resolver pays for parsing and building a document.
 */
import { Resolver, type DIDResolutionResult } from 'did-resolver'
import { getResolver } from 'key-did-resolver'
import { base58btc } from 'multiformats/bases/base58'
import { Ed25519KeyPair } from '../../src/index.js'

/** What {@link keyBaseline} returns. */
export interface KeyBaseline {
  did: string
  /** Resolves `did` through `did-resolver`'s `Resolver` (its cache off: every call expands the key). */
  resolve(): Promise<DIDResolutionResult>
  /** Throws unless `result` is the document of `did` with its Ed25519 key. */
  check(result: DIDResolutionResult): void
}

/** Multicodec `ed25519-pub` (0xed) as an unsigned varint. */
const ED25519_PUB = [0xed, 0x01]

/**
 * A fresh Ed25519 did:key and a resolver for it. Resolves once before returning and throws if the
 * document is not the key's.
 */
export async function keyBaseline(): Promise<KeyBaseline> {
  const { publicKey } = Ed25519KeyPair.generate()
  // did:key: multibase base58btc ('z') of the multicodec-prefixed public key.
  const did = `did:key:${base58btc.encode(Uint8Array.from([...ED25519_PUB, ...publicKey]))}`
  const resolver = new Resolver(getResolver())
  const publicKeyBase58 = base58btc.baseEncode(publicKey)
  const baseline: KeyBaseline = {
    did,
    resolve: () => resolver.resolve(did),
    check(result) {
      const vm = result.didDocument?.verificationMethod?.[0]
      if (result.didDocument?.id !== did || vm?.type !== 'Ed25519VerificationKey2018' || vm.publicKeyBase58 !== publicKeyBase58) {
        throw new Error(`did:key resolution of ${did} gave ${JSON.stringify(result)}`)
      }
    },
  }
  baseline.check(await baseline.resolve())
  return baseline
}
