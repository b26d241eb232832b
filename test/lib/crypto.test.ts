import { describe, expect, it } from 'vitest'
import { hashes } from '@noble/ed25519'
import { ed25519PublicKey, ed25519Signer, ed25519Verify } from '../../src/lib/crypto.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// RFC 8032 §7.1 TEST 1.
const SEED = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60')
const PUBLIC = 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a'

describe('lib/crypto', () => {
  it('changes nothing of @noble/ed25519 at import ("sideEffects": false), and configures it at first use', () => {
    // Vitest isolates modules per test file: this file is the first to import both here.
    expect(hashes.sha512).toBeUndefined()
    const publicKey = ed25519PublicKey(SEED)
    expect(toHex(publicKey)).toBe(PUBLIC)
    expect(hashes.sha512).toBeTypeOf('function')
    const message = new Uint8Array([1, 2, 3])
    const signature = ed25519Signer(SEED, 'js')(message)
    expect(ed25519Verify(signature, message, publicKey, 'js')).toBe(true)
    expect(toHex(signature)).toBe(toHex(ed25519Signer(SEED, 'native')(message)))
  })
})
