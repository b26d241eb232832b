/** The private key formats `grid-did key import` reads, and what it refuses (never echoing the secret). */
import { generateKeyPairSync } from 'node:crypto'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { CliError } from '../../src/cli/errors.js'
import { parseEd25519PrivateKey, parseEvmPrivateKey } from '../../src/cli/key-import.js'
import { Ed25519KeyPair } from '../../src/method/keys.js'

const SEED = '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60' // RFC 8032 test 1
const PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'

function refused(f: () => unknown, message: RegExp): void {
  let thrown: unknown
  try {
    f()
  } catch (err) {
    thrown = err
  }
  expect(thrown).toBeInstanceOf(CliError)
  expect((thrown as CliError).code).toBe('ERR_GRID_CLI')
  expect((thrown as CliError).message).toMatch(message)
  expect((thrown as CliError).message).not.toContain(SEED)
}

describe('parseEd25519PrivateKey', () => {
  const expected = Ed25519KeyPair.fromSecretKey(Buffer.from(SEED, 'hex')).publicKeyMultibase

  it('reads the 32-byte seed as hex (0x optional, blanks around), and seed + public key as 128 hex digits', () => {
    expect(Buffer.from(parseEd25519PrivateKey(SEED, 'f').publicKey).toString('hex')).toBe(PUBLIC)
    expect(parseEd25519PrivateKey(` 0x${SEED}\n`, 'f').publicKeyMultibase).toBe(expected)
    expect(parseEd25519PrivateKey(SEED + PUBLIC, 'f').publicKeyMultibase).toBe(expected)
    refused(
      () => parseEd25519PrivateKey(SEED + PUBLIC.replace(/^d7/, 'd8'), 'f'),
      /^f: the second half of the 64-byte key is not the public key/,
    )
  })

  it('reads a PKCS #8 PEM and a JWK, as Node (and openssl) write them', () => {
    const { privateKey } = generateKeyPairSync('ed25519')
    const jwk = privateKey.export({ format: 'jwk' })
    const fromPem = parseEd25519PrivateKey(privateKey.export({ format: 'pem', type: 'pkcs8' }) as string, 'k.pem')
    const fromJwk = parseEd25519PrivateKey(JSON.stringify(jwk), 'k.jwk')
    expect(fromPem.publicKeyMultibase).toBe(fromJwk.publicKeyMultibase)
    expect(Buffer.from(fromJwk.publicKey).toString('base64url')).toBe(jwk.x)
  })

  it('refuses anything else, naming the source and never the input', () => {
    refused(() => parseEd25519PrivateKey(SEED.slice(2), 'key.txt'), /^key.txt holds no Ed25519 private key this reads/)
    refused(() => parseEd25519PrivateKey('{"kty":"EC","crv":"P-256","d":"x"}', 'k.jwk'), /^k.jwk is not an Ed25519 key/)
    refused(() => parseEd25519PrivateKey('{"kty":"OKP","crv":"Ed25519"}', 'k.jwk'), /^k.jwk: the JWK has no private part "d"/)
    refused(() => parseEd25519PrivateKey('{not json', 'k.jwk'), /^k.jwk is not valid JSON/)
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string
    refused(() => parseEd25519PrivateKey(ec, 'ec.pem'), /^ec.pem holds a ec key, not Ed25519$/)
    refused(
      () => parseEd25519PrivateKey('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----', 'x.pem'),
      /^x.pem is not a PKCS #8 PEM/,
    )
  })
})

describe('parseEvmPrivateKey', () => {
  it('reads 64 hex digits, 0x optional; the address derives from it', () => {
    const key = parseEvmPrivateKey(`0x${SEED}\n`, 'f')
    expect(Buffer.from(key).toString('hex')).toBe(SEED)
    expect(privateKeyToAccount(`0x${SEED}`).address).toMatch(/^0x[0-9a-fA-F]{40}$/)
  })

  it('refuses other shapes and the zero key', () => {
    refused(() => parseEvmPrivateKey(SEED + PUBLIC, 'w.txt'), /^w.txt holds no EVM private key this reads: 64 hex digits, 0x optional$/)
    refused(() => parseEvmPrivateKey('0'.repeat(64), 'w.txt'), /^w.txt: a private key of zeros is not a key$/)
  })
})
