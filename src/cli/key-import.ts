import { createPrivateKey } from 'node:crypto'
import { Ed25519KeyPair } from '../method/keys.js'
import { CliError } from './errors.js'

/**
 * An existing Ed25519 private key, as `key import` reads it: 64 hex digits (the 32-byte seed, `0x`
 * optional), 128 hex digits (a seed and its public key, as libsodium and Solana write it: the public
 * half must be the seed's), a PKCS #8 PEM (`-----BEGIN PRIVATE KEY-----`, as `openssl genpkey
 * -algorithm ed25519` writes it), or a JWK (`{"kty":"OKP","crv":"Ed25519","d":…}`). Surrounding
 * blanks are ignored. The error never echoes the input (it is a secret).
 * @throws {CliError} for anything else.
 */
export function parseEd25519PrivateKey(text: string, source: string): Ed25519KeyPair {
  const t = text.trim()
  let seed: Uint8Array | undefined
  const hex = /^(?:0x)?([0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/.exec(t)?.[1]
  if (hex) seed = Buffer.from(hex, 'hex')
  else if (t.startsWith('-----BEGIN')) seed = fromJwk(pemJwk(t, source), source)
  else if (t.startsWith('{')) seed = fromJwk(jsonOf(t, source), source)
  if (!seed) throw unreadable(source, 'ed25519')
  try {
    const key = Ed25519KeyPair.fromSecretKey(seed.subarray(0, 32))
    if (seed.length === 64 && Buffer.compare(Buffer.from(seed.subarray(32)), Buffer.from(key.publicKey)) !== 0)
      throw new CliError(`${source}: the second half of the 64-byte key is not the public key of the first`)
    return key
  } finally {
    seed.fill(0)
  }
}

/**
 * An existing EVM account's secp256k1 private key: 64 hex digits, `0x` optional (what wallets
 * export). Its validity on the curve is checked by whoever derives the address.
 * @throws {CliError} for anything else.
 */
export function parseEvmPrivateKey(text: string, source: string): Uint8Array {
  const hex = /^(?:0x)?([0-9a-fA-F]{64})$/.exec(text.trim())?.[1]
  if (!hex) throw unreadable(source, 'evm')
  const key = new Uint8Array(Buffer.from(hex, 'hex'))
  if (key.every((b) => b === 0)) throw new CliError(`${source}: a private key of zeros is not a key`)
  return key
}

function unreadable(source: string, type: 'ed25519' | 'evm'): CliError {
  return new CliError(
    type === 'ed25519'
      ? `${source} holds no Ed25519 private key this reads: 64 hex digits (the seed), 128 hex digits (seed and public key), a PKCS #8 PEM or a JWK`
      : `${source} holds no EVM private key this reads: 64 hex digits, 0x optional`,
  )
}

function jsonOf(text: string, source: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    throw new CliError(`${source} is not valid JSON (a JWK was expected)`)
  }
}

function pemJwk(pem: string, source: string): unknown {
  try {
    const key = createPrivateKey({ key: pem, format: 'pem' })
    if (key.asymmetricKeyType !== 'ed25519')
      throw new CliError(`${source} holds a ${key.asymmetricKeyType ?? 'non-Ed25519'} key, not Ed25519`)
    return key.export({ format: 'jwk' })
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError(`${source} is not a PKCS #8 PEM private key this reads (an encrypted PEM must be decrypted first)`)
  }
}

function fromJwk(jwk: unknown, source: string): Uint8Array {
  const { kty, crv, d } = (jwk ?? {}) as { kty?: unknown; crv?: unknown; d?: unknown }
  if (kty !== 'OKP' || crv !== 'Ed25519') throw new CliError(`${source} is not an Ed25519 key (a JWK with kty "OKP" and crv "Ed25519")`)
  if (typeof d !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(d)) throw new CliError(`${source}: the JWK has no private part "d" of 32 bytes`)
  return new Uint8Array(Buffer.from(d, 'base64url'))
}
