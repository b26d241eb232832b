import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { Ed25519KeyPair } from '../method/keys.js'
import { syncDir, writeFileDurable } from './durable.js'
import { CliError, KeystoreError } from './errors.js'

/**
 * A secret key encrypted at rest: scrypt derives an AES-256-GCM key from the passphrase. Two
 * kinds: an Ed25519 key (DIDs, credentials; `publicKeyMultibase` readable) and a secp256k1 EVM
 * account (anchoring transactions; `address` readable).
 *
 * The readable public part is a label, not a proof: anyone who can write the file can change it.
 * Every load that uses it decrypts the secret and checks that the public part derives from it
 * ({@link KeystoreError} `ERR_GRID_KEYSTORE_MISMATCH` otherwise), so an edited file never puts
 * another key into a DID or an allow-list. That check needs no format change, so version 1 stays,
 * and keystores written before it (scrypt N = 2^15) open and are checked the same way.
 */
interface KeystoreFile {
  type: 'grid-did-keystore'
  version: 1
  /** Absent in Ed25519 keystores (the original format). */
  kind?: 'evm-account'
  publicKeyMultibase?: string
  address?: string
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string; dkLen?: number }
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string; ciphertext: string }
}

/** scrypt cost of new keystores: N = 2^17, r = 8, p = 1 (128 MiB, about 0.3 s per unlock). */
const N = 1 << 17
const R = 8
const P = 1

/**
 * What a keystore may ask of scrypt before anything runs (a file can be edited to ask for hours of
 * CPU or gigabytes of memory): N a power of two from 2^15 (the oldest keystores) to 2^18, r 1–32,
 * p 1–16, at most 256 MiB (128·N·r) and at most 4× the default work (N·r·p ≤ 2^22); a 16–64 byte
 * salt; a 32-byte key.
 */
const KDF_BOUNDS = {
  minN: 1 << 15,
  maxN: 1 << 18,
  maxR: 32,
  maxP: 16,
  maxMemory: 256 * 1024 * 1024,
  maxWork: 1 << 22,
  salt: [16, 64],
} as const

function derive(passphrase: string, salt: Buffer, n: number, r: number, p: number): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), salt, 32, { N: n, r, p, maxmem: 2 * 128 * n * r })
}

function seal(
  path: string,
  secret: Uint8Array,
  passphrase: string,
  force: boolean,
  pub: Pick<KeystoreFile, 'kind' | 'publicKeyMultibase' | 'address'>,
): void {
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
    cipher: {
      name: 'aes-256-gcm',
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ciphertext: ciphertext.toString('base64'),
    },
  }
  // A new file (mode 0600, whatever the old file had), fsynced before it takes the name; without
  // --force the name is taken atomically, so an existing keystore is never overwritten.
  try {
    writeFileDurable(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, exclusive: !force })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new CliError(`${path} exists; pass --force to overwrite it`)
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`, { cause: err })
  }
  syncDir(dirname(path))
}

/** Strict base64 of `length` bytes (or within `[min, max]`), else undefined. */
function bytesOf(value: unknown, min: number, max = min): Buffer | undefined {
  if (typeof value !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) return undefined
  const bytes = Buffer.from(value, 'base64')
  return bytes.length >= min && bytes.length <= max && bytes.toString('base64') === value ? bytes : undefined
}

/** The KDF and cipher inputs of a keystore, refused before scrypt runs when outside {@link KDF_BOUNDS}. */
function inputsOf(
  path: string,
  file: KeystoreFile,
): { n: number; r: number; p: number; salt: Buffer; iv: Buffer; tag: Buffer; ciphertext: Buffer } {
  const { N: n, r, p, dkLen } = file.kdf
  const b = KDF_BOUNDS
  const integer = (x: unknown, max: number) => Number.isSafeInteger(x) && (x as number) >= 1 && (x as number) <= max
  if (
    !integer(n, b.maxN) ||
    n < b.minN ||
    (n & (n - 1)) !== 0 ||
    !integer(r, b.maxR) ||
    !integer(p, b.maxP) ||
    128 * n * r > b.maxMemory ||
    n * r * p > b.maxWork ||
    (dkLen !== undefined && dkLen !== 32)
  ) {
    throw new KeystoreError(
      'ERR_GRID_KEYSTORE_PARAMS',
      `${path} asks for scrypt parameters outside the accepted bounds (N a power of two 2^15-2^18, r 1-32, p 1-16, 128·N·r ≤ 256 MiB, N·r·p ≤ 2^22, dkLen 32)`,
    )
  }
  const salt = bytesOf(file.kdf.salt, b.salt[0], b.salt[1])
  const iv = bytesOf(file.cipher.iv, 12)
  const tag = bytesOf(file.cipher.tag, 16)
  const ciphertext = bytesOf(file.cipher.ciphertext, 32)
  if (!salt || !iv || !tag || !ciphertext)
    throw new KeystoreError(
      'ERR_GRID_KEYSTORE_PARAMS',
      `${path} has a malformed salt, iv, tag or ciphertext (16-64, 12, 16 and 32 bytes of base64)`,
    )
  return { n, r, p, salt, iv, tag, ciphertext }
}

/** Decrypts a keystore's secret; `check` proves it matches the readable public part (its errors pass through). */
function unseal<T>(path: string, file: KeystoreFile, passphrase: string, check: (secret: Uint8Array) => T): T {
  const { n, r, p, salt, iv, tag, ciphertext } = inputsOf(path, file)
  let secret: Buffer
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(passphrase, salt, n, r, p), iv)
    decipher.setAuthTag(tag)
    secret = Buffer.concat([decipher.update(ciphertext), decipher.final()])
  } catch {
    throw new CliError(`cannot unlock ${path}: wrong passphrase or damaged keystore`)
  }
  try {
    return check(new Uint8Array(secret))
  } finally {
    secret.fill(0)
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
    throw new CliError(
      actual === 'evm-account' ? `${path} holds an EVM account, not an Ed25519 key` : `${path} holds an Ed25519 key, not an EVM account`,
    )
  }
  return file
}

function mismatch(path: string, what: string): KeystoreError {
  return new KeystoreError(
    'ERR_GRID_KEYSTORE_MISMATCH',
    `the ${what} written in ${path} is not the one of its secret key: the file was altered; it is not used`,
  )
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

/**
 * The public key of an Ed25519 keystore, checked against its secret (so it needs the passphrase):
 * what a DID is about to name (a recovery key, an added key, a new update key) is never taken from
 * the readable field alone.
 */
export function keystorePublicKey(path: string, passphrase: string): string {
  return openKeystore(path, passphrase).publicKeyMultibase
}

/**
 * Decrypts an Ed25519 keystore. A wrong passphrase or a damaged file is one clear error, never key
 * material; a readable public key that is not the secret's is `ERR_GRID_KEYSTORE_MISMATCH`.
 */
export function openKeystore(path: string, passphrase: string): Ed25519KeyPair {
  const file = readFile(path, 'ed25519')
  return unseal(path, file, passphrase, (secret) => {
    let key: Ed25519KeyPair
    try {
      key = Ed25519KeyPair.fromSecretKey(secret)
    } catch {
      throw new CliError(`cannot unlock ${path}: wrong passphrase or damaged keystore`)
    }
    if (key.publicKeyMultibase !== file.publicKeyMultibase) throw mismatch(path, 'public key')
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

/**
 * The address of an EVM account keystore, without the passphrase: a label only. It names the
 * account whose transactions will be signed after unlocking (a wrong label fails then); it must not
 * be put on an allow-list unchecked.
 */
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
    let address: string
    try {
      address = addressOf(key)
    } catch {
      throw new CliError(`cannot unlock ${path}: wrong passphrase or damaged keystore`)
    }
    if (address.toLowerCase() !== file.address?.toLowerCase()) throw mismatch(path, 'address')
    return key
  })
}

/**
 * What a keystore file shows without its passphrase (`key list`): its kind and its readable public
 * key or address — a label, not a proof (see {@link KeystoreFile}); undefined for a file that is not
 * a grid-did keystore. Never decrypts anything.
 */
export function keystoreLabel(
  path: string,
): { kind: 'ed25519'; publicKeyMultibase: string } | { kind: 'evm'; address: string } | undefined {
  let file: Partial<KeystoreFile>
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as Partial<KeystoreFile>
  } catch {
    return undefined
  }
  if (file?.type !== 'grid-did-keystore' || file.version !== 1) return undefined
  if (file.kind === 'evm-account') return typeof file.address === 'string' ? { kind: 'evm', address: file.address } : undefined
  return typeof file.publicKeyMultibase === 'string' ? { kind: 'ed25519', publicKeyMultibase: file.publicKeyMultibase } : undefined
}
