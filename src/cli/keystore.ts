import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { Ed25519KeyPair } from '../method/keys.js'
import { CliError } from './errors.js'

/**
 * An Ed25519 key pair encrypted at rest: scrypt (N = 2^15, r = 8, p = 1) derives an AES-256-GCM key
 * from the passphrase; the public key stays readable, so a DID can name a key without unlocking it.
 */
interface KeystoreFile {
  type: 'grid-did-keystore'
  version: 1
  publicKeyMultibase: string
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string }
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string; ciphertext: string }
}

const N = 1 << 15
const R = 8
const P = 1

function derive(passphrase: string, salt: Buffer, n: number, r: number, p: number): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), salt, 32, { N: n, r, p, maxmem: 128 * n * r * 2 })
}

/** Writes a new keystore; refuses to overwrite an existing file unless `force`. */
export function writeKeystore(path: string, key: Ed25519KeyPair, passphrase: string, force = false): void {
  if (existsSync(path) && !force) throw new CliError(`${path} exists; pass --force to overwrite it`)
  if (passphrase.length < 8) throw new CliError('the passphrase must be at least 8 characters')
  const salt = randomBytes(16)
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', derive(passphrase, salt, N, R, P), iv)
  const secret = key.exportSecretKey()
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()])
  secret.fill(0)
  const file: KeystoreFile = {
    type: 'grid-did-keystore',
    version: 1,
    publicKeyMultibase: key.publicKeyMultibase,
    kdf: { name: 'scrypt', N, r: R, p: P, salt: salt.toString('base64') },
    cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ciphertext: ciphertext.toString('base64') },
  }
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600 })
}

function readFile(path: string): KeystoreFile {
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
  return file
}

/** The public key of a keystore, without the passphrase. */
export function keystorePublicKey(path: string): string {
  return readFile(path).publicKeyMultibase
}

/** Decrypts a keystore. A wrong passphrase or a tampered file is one clear error, never key material. */
export function openKeystore(path: string, passphrase: string): Ed25519KeyPair {
  const file = readFile(path)
  const { N: n, r, p, salt } = file.kdf
  if (![n, r, p].every((x) => Number.isSafeInteger(x) && x > 0) || n > 1 << 20 || r * p > 64) throw new CliError(`${path} has unsafe scrypt parameters`)
  try {
    const decipher = createDecipheriv('aes-256-gcm', derive(passphrase, Buffer.from(salt, 'base64'), n, r, p), Buffer.from(file.cipher.iv, 'base64'))
    decipher.setAuthTag(Buffer.from(file.cipher.tag, 'base64'))
    const secret = Buffer.concat([decipher.update(Buffer.from(file.cipher.ciphertext, 'base64')), decipher.final()])
    const key = Ed25519KeyPair.fromSecretKey(new Uint8Array(secret))
    secret.fill(0)
    if (key.publicKeyMultibase !== file.publicKeyMultibase) throw new Error('public key mismatch')
    return key
  } catch {
    throw new CliError(`cannot unlock ${path}: wrong passphrase or damaged keystore`)
  }
}
