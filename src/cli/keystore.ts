import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { Ed25519KeyPair } from '../method/keys.js'
import { CliError } from './errors.js'

/**
 * A secret key encrypted at rest: scrypt (N = 2^15, r = 8, p = 1) derives an AES-256-GCM key from
 * the passphrase. Two kinds: an Ed25519 key (DIDs, credentials; `publicKeyMultibase` readable) and a
 * secp256k1 EVM account (anchoring transactions; `address` readable). The public part stays
 * readable, so a DID or an allow-list can name a key without unlocking it.
 */
interface KeystoreFile {
  type: 'grid-did-keystore'
  version: 1
  /** Absent in Ed25519 keystores (the original format). */
  kind?: 'evm-account'
  publicKeyMultibase?: string
  address?: string
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string }
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string; ciphertext: string }
}

const N = 1 << 15
const R = 8
const P = 1

function derive(passphrase: string, salt: Buffer, n: number, r: number, p: number): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), salt, 32, { N: n, r, p, maxmem: 128 * n * r * 2 })
}

function seal(path: string, secret: Uint8Array, passphrase: string, force: boolean, pub: Pick<KeystoreFile, 'kind' | 'publicKeyMultibase' | 'address'>): void {
  if (existsSync(path) && !force) throw new CliError(`${path} exists; pass --force to overwrite it`)
  if (passphrase.length < 8) throw new CliError('the passphrase must be at least 8 characters')
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', derive(passphrase, salt, N, R, P), iv)
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()])
  const file: KeystoreFile = {
    type: 'grid-did-keystore',
    version: 1,
    ...pub,
    kdf: { name: 'scrypt', N, r: R, p: P, salt: salt.toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') },
  }
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
}

/** Decrypts a keystore's secret; `check` proves it matches the readable public part. */
function unseal<T>(path: string, file: KeystoreFile, passphrase: string, check: (secret: Uint8Array) => T): T {
  const { N: n, r, p, salt } = file.kdf
  if (![n, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || n > 1 << 20 || r * p > 64) throw new CliError(`${path} has unsafe scrypt parameters`)
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(passphrase, Buffer.from(salt, 'base64'), n, r, p), Buffer.from(file.cipher.iv, 'base64'))
    decipher.setAuthTag(Buffer.from(file.cipher.tag, 'base64'))
    const secret = Buffer.concat([decipher.update(Buffer.from(file.cipher.ciphertext, 'base64')), decipher.final()])
    try {
      return check(new Uint8Array(secret))
    } finally {
      secret.fill(0)
    }
  } catch {
    throw new CliError(`cannot unlock ${path}: wrong passphrase or damaged keystore`)
  }
}

function readFile(path: string, kind: 'ed25519' | 'evm-account'): KeystoreFile {
  let file: KeystoreFile
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as KeystoreFile
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new CliError(code === 'ENOENT' ? `no keystore at ${path}` : `${path} is not a grid-did keystore`)
  }
  if (file?.type !== 'grid-did-keystore' || file.version !== 1 || file.kdf?.name !== 'scrypt' || file.cipher?.name !== 'aes-256-gcm') {
    throw new CliError(`${path} is not a grid-did keystore`)
  }
  const actual = file.kind === 'evm-account' ? 'evm-account' : 'ed25519'
  if (actual !== kind) {
    throw new CliError(actual === 'evm-account' ? `${path} holds an EVM account, not an Ed25519 key` : `${path} holds an Ed25519 key, not an EVM account`)
  }
  return file
}

/** Writes a new Ed25519 keystore; refuses to overwrite an existing file unless `force`. */
export function writeKeystore(path: string, key: Ed25519KeyPair, passphrase: string, force = false): void {
  const secret = key.exportSecretKey()
  try {
    seal(path, secret, passphrase, force, { publicKeyMultibase: key.publicKeyMultibase })
  } finally {
    secret.fill(0)
  }
}

/** The public key of an Ed25519 keystore, without the passphrase. */
export function keystorePublicKey(path: string): string {
  return readFile(path, 'ed25519').publicKeyMultibase!
}

/** Decrypts an Ed25519 keystore. A wrong passphrase or a tampered file is one clear error, never key material. */
export function openKeystore(path: string, passphrase: string): Ed25519KeyPair {
  return unseal(path, readFile(path, 'ed25519'), passphrase, (secret) => {
    const key = Ed25519KeyPair.fromSecretKey(secret)
    if (key.publicKeyMultibase !== readFile(path, 'ed25519').publicKeyMultibase) throw new Error('public key mismatch')
    return key
  })
}

/**
 * Writes a new EVM account keystore (`address` derives from the key). `addressOf` computes it,
 * so this module does not load viem.
 */
export function writeAccountKeystore(path: string, privateKey: Uint8Array, address: string, passphrase: string, force = false): void {
  seal(path, privateKey, passphrase, force, { kind: 'evm-account', address })
}

/** The address of an EVM account keystore, without the passphrase. */
export function keystoreAddress(path: string): string {
  const address = readFile(path, 'evm-account').address
  if (typeof address !== 'string' || !/^0x[0-9a-fA-F]{40}$/.test(address)) throw new CliError(`${path} is not a grid-did keystore`)
  return address
}

/** Decrypts an EVM account keystore into its 0x private key; `addressOf` must map it to the stored address. */
export function openAccountKeystore(path: string, passphrase: string, addressOf: (privateKey: `0x${string}`) => string): `0x${string}` {
  const file = readFile(path, 'evm-account')
  return unseal(path, file, passphrase, (secret) => {
    const key = `0x${Buffer.from(secret).toString('hex')}` as const
    if (addressOf(key).toLowerCase() !== file.address?.toLowerCase()) throw new Error('address mismatch')
    return key
  })
}
