import { inspect } from 'node:util'
import { base32 } from 'multiformats/bases/base32'
import { base58btc } from 'multiformats/bases/base58'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { describe, expect, it } from 'vitest'
import {
  DidDeactivatedError,
  Ed25519KeyPair,
  InvalidKeyError,
  LIMITS,
  createDid,
  decodeMultikey,
  decodeOperation,
  deactivateDid,
  encodeMultikey,
  signOperation,
  updateDid,
} from '../../src/index.js'
import { sha256 } from '../../src/lib/crypto.js'
import { utf8Decode, utf8Encode } from '../../src/lib/bytes.js'
import { canonicalize } from '../../src/lib/jcs.js'
import { expectFault, forge, key, newDid, vm } from '../helpers.js'

describe('create', () => {
  it('derives a self-certifying DID from the hash of the signed genesis bytes', async () => {
    const { create } = await newDid()
    expect(create.did).toBe(`did:grid:test:${base32.baseEncode(sha256(create.bytes))}`)
    expect(create.cid.endsWith(create.suffix)).toBe(true)
    const again = decodeOperation(create.bytes)
    expect(again.did).toBe(create.did)
    expect(again.cid).toBe(create.cid)
  })

  it('gives a different DID for another nonce or network with the same keys', async () => {
    const a = await newDid('same')
    const update = key('same-update')
    const other = await createDid({ network: 'test', updateKey: update, recoveryKey: key('same-recovery'), nonce: 'another-nonce-123' })
    const otherNet = await createDid({ network: 'test2', updateKey: update, recoveryKey: key('same-recovery'), nonce: 'nonce-same______' })
    expect(new Set([a.create.did, other.did, otherNet.did]).size).toBe(3)
  })

  it('draws a random nonce by default', async () => {
    const opts = { network: 'test', updateKey: key('u'), recoveryKey: key('r').publicKeyMultibase }
    expect((await createDid(opts)).did).not.toBe((await createDid(opts)).did)
  })

  it('rejects a document breaking a format rule before signing', async () => {
    const bad = createDid({
      network: 'test',
      updateKey: key('u'),
      recoveryKey: key('r'),
      document: { verificationMethods: [vm('key-1', key('s'), ['keyAgreement'])] },
    })
    await expect(bad).rejects.toMatchObject({ code: 'ERR_GRID_INVALID_OPERATION', reason: 'malformed' })
    await expect(bad).rejects.toThrow(/Ed25519 keys cannot be used for keyAgreement/)
  })

  it('refuses a non-object options argument and a missing recovery key', async () => {
    await expect(createDid(null as never)).rejects.toThrow(TypeError)
    await expect(createDid({ network: 'test', updateKey: key('u') } as never)).rejects.toThrow(/recoveryKey/)
  })
})

describe('decodeOperation: stand-alone checks', () => {
  it('refuses oversized bytes', () => {
    expectFault(() => decodeOperation(new Uint8Array(LIMITS.resourceBytes + 1)), 'oversized', /at most 65536 bytes/)
  })

  it('limits DID operations to 16 KiB and resource operations to 64 KiB', async () => {
    const c = await newDid()
    const big = 'x'.repeat(20_000)
    const services = Array.from({ length: 10 }, (_, i) => ({
      action: 'add-service',
      service: { id: `s${i}`, type: 'T', serviceEndpoint: `https://e.example/${'p'.repeat(2000)}` },
    }))
    const wide = forge({ type: 'update', did: c.create.did, prev: c.create.cid, patches: services }, c.update)
    expect(wide.length).toBeGreaterThan(LIMITS.operationBytes)
    expectFault(() => decodeOperation(wide), 'oversized', /update operations may be at most 16384 bytes, got \d+/)
    const resource = forge(
      { type: 'resource', did: c.create.did, resourceId: 'r', resourceType: 'Blob', content: { data: big } },
      c.signing,
    )
    expect(decodeOperation(resource).operation.type).toBe('resource')
  })

  it('refuses bytes that are not UTF-8 JSON', () => {
    expectFault(() => decodeOperation(Uint8Array.from([0xff, 0xfe])), 'malformed', /not UTF-8 JSON/)
    expectFault(() => decodeOperation(utf8Encode('{"type":')), 'malformed', /not UTF-8 JSON/)
  })

  it('refuses values outside the canonical domain', () => {
    expectFault(() => decodeOperation(utf8Encode('{"a":null}')), 'malformed', /null is not allowed/)
    expectFault(() => decodeOperation(utf8Encode('{"a":1.5}')), 'malformed', /not a safe integer/)
    expectFault(() => decodeOperation(utf8Encode('{"a":"\\ud800"}')), 'malformed', /lone surrogate/)
  })

  it('refuses non-canonical encodings of a valid operation', async () => {
    const { create } = await newDid()
    const text = utf8Decode(create.bytes)
    expectFault(() => decodeOperation(utf8Encode(` ${text}`)), 'non-canonical', /canonical \(JCS\)/)
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(text)).reverse()))
    expectFault(() => decodeOperation(utf8Encode(reordered)), 'non-canonical', /canonical/)
    // A duplicate key collapses in JSON.parse, so the bytes cannot be the canonical form.
    expectFault(() => decodeOperation(utf8Encode(text.replace('{', '{"type":"create",'))), 'non-canonical', /canonical/)
  })

  it('refuses a UTF-8 byte-order mark in front of canonical bytes (it would hash as another operation)', async () => {
    const { create } = await newDid()
    expectFault(() => decodeOperation(Uint8Array.from([0xef, 0xbb, 0xbf, ...create.bytes])), 'malformed', /not UTF-8 JSON/)
  })

  it('refuses an undecodable signature as malformed, never with a raw error', async () => {
    const { create } = await newDid()
    const op = JSON.parse(utf8Decode(create.bytes))
    for (const sig of ['A', `${'A'.repeat(85)}R`]) {
      expectFault(
        () => decodeOperation(utf8Encode(canonicalize({ ...op, sig }))),
        'malformed',
        /sig (is not valid base64url|must encode exactly 64 bytes)/,
      )
    }
  })

  it('refuses a prev whose sha2-256 digest is not 32 bytes', async () => {
    const { create } = await newDid()
    const short = CID.createV1(0x0200, Digest.create(0x12, new Uint8Array(31))).toString()
    expectFault(
      () => decodeOperation(forge({ type: 'deactivate', did: create.did, prev: short }, key('a-recovery'))),
      'malformed',
      /json codec and sha2-256/,
    )
  })

  it('refuses a tampered operation (signature over other bytes)', async () => {
    const { create } = await newDid()
    const tampered = utf8Decode(create.bytes).replace('nonce-a', 'nonce-b')
    expectFault(() => decodeOperation(utf8Encode(tampered)), 'bad-signature', /does not verify/)
  })

  it('refuses a create not signed by its own update key', async () => {
    const u = key('u')
    const bytes = forge(
      {
        type: 'create',
        network: 'test',
        updateKey: u.publicKeyMultibase,
        recoveryKey: key('r').publicKeyMultibase,
        document: {},
        nonce: 'n'.repeat(16),
      },
      key('someone-else'),
    )
    expectFault(() => decodeOperation(bytes), 'unauthorized', /signed by its update key/)
  })

  const base = () => ({
    type: 'create',
    network: 'test',
    updateKey: key('u').publicKeyMultibase,
    recoveryKey: key('r').publicKeyMultibase,
    document: {},
    nonce: 'n'.repeat(16),
  })
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['unknown type', { ...base(), type: 'upgrade' }, /operation.type must be/],
    ['unknown field', { ...base(), extra: 'x' }, /unknown field "extra"/],
    ['missing field', (({ nonce: _n, ...rest }) => rest)(base()), /create.nonce is missing/],
    ['bad network', { ...base(), network: 'Test' }, /create.network/],
    ['short nonce', { ...base(), nonce: 'abc' }, /nonce must be 16-64/],
    ['bad recovery key', { ...base(), recoveryKey: 'z6Mkbad' }, /create.recoveryKey/],
    ['X25519 update key', { ...base(), recoveryKey: 'z6LSbysY2xFMRpGMhb7tFTLMpeuPRaqaWM1yECx2AtzE3KCc' }, /expected an Ed25519 key/],
    ['unknown document field', { ...base(), document: { keys: [] } }, /unknown field "keys"/],
    ['bad vm id', { ...base(), document: { verificationMethods: [{ ...vm('has space', key('s')) }] } }, /id must be 1-64/],
    [
      'bad vm type',
      { ...base(), document: { verificationMethods: [{ ...vm('k', key('s')), type: 'Ed25519VerificationKey2020' }] } },
      /type must be "Multikey"/,
    ],
    ['unknown purpose', { ...base(), document: { verificationMethods: [vm('k', key('s'), ['signing'])] } }, /unknown relationship/],
    [
      'repeated purpose',
      { ...base(), document: { verificationMethods: [vm('k', key('s'), ['authentication', 'authentication'])] } },
      /twice/,
    ],
    [
      'X25519 key for signing',
      {
        ...base(),
        document: {
          verificationMethods: [
            {
              id: 'x',
              type: 'Multikey',
              publicKeyMultibase: encodeMultikey(new Uint8Array(32).fill(9), 'X25519'),
              purposes: ['authentication'],
            },
          ],
        },
      },
      /X25519 keys cannot be used for authentication/,
    ],
    [
      'duplicate ids across vm and service',
      {
        ...base(),
        document: { verificationMethods: [vm('k', key('s'))], services: [{ id: 'k', type: 'X', serviceEndpoint: 'https://a.example' }] },
      },
      /used twice/,
    ],
    [
      'service endpoint not a URI',
      { ...base(), document: { services: [{ id: 's', type: 'X', serviceEndpoint: 'not a uri' }] } },
      /absolute URI/,
    ],
    [
      'empty service type list',
      { ...base(), document: { services: [{ id: 's', type: [], serviceEndpoint: 'https://a.example' }] } },
      /type must not be empty/,
    ],
    [
      'service type with spaces',
      { ...base(), document: { services: [{ id: 's', type: 'A B', serviceEndpoint: 'https://a.example' }] } },
      /printable ASCII/,
    ],
    [
      'controller not a did:grid DID',
      { ...base(), document: { controller: ['did:web:example.com'] } },
      /controller\[0\] must be a did:grid DID/,
    ],
    ['alsoKnownAs repeated', { ...base(), document: { alsoKnownAs: ['https://a.example', 'https://a.example'] } }, /twice/],
    [
      'too many verification methods',
      { ...base(), document: { verificationMethods: Array.from({ length: 33 }, (_, i) => vm(`k${i}`, key('s'))) } },
      /at most 32 entries/,
    ],
  ]
  it.each(cases)('refuses a malformed create: %s', (_name, op, message) => {
    expectFault(() => decodeOperation(forge(op, key('u'))), 'malformed', message)
  })

  it('refuses malformed updates, recovers and deactivates', async () => {
    const { create } = await newDid()
    const u = key('a-update')
    const common = { did: create.did, prev: create.cid }
    expectFault(() => decodeOperation(forge({ type: 'update', ...common, patches: [] }, u)), 'malformed', /must change something/)
    expectFault(
      () => decodeOperation(forge({ type: 'update', ...common, prev: 'bafyfoo', patches: [] }, u)),
      'malformed',
      /update.prev must be a CID/,
    )
    expectFault(
      () =>
        decodeOperation(
          forge({ type: 'update', ...common, prev: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', patches: [] }, u),
        ),
      'malformed',
      /json codec and sha2-256/,
    )
    expectFault(
      () => decodeOperation(forge({ type: 'update', ...common, did: 'did:grid:test:x', patches: [] }, u)),
      'malformed',
      /update.did must be a did:grid DID/,
    )
    expectFault(
      () => decodeOperation(forge({ type: 'update', ...common, patches: [{ action: 'explode' }] }, u)),
      'malformed',
      /not a known patch action/,
    )
    expectFault(
      () => decodeOperation(forge({ type: 'update', ...common, patches: [{ action: 'remove-service' }] }, u)),
      'malformed',
      /id is missing/,
    )
    expectFault(
      () => decodeOperation(forge({ type: 'update', ...common, patches: [{ action: 'set-relationships', id: 'k', purposes: ['x'] }] }, u)),
      'malformed',
      /distinct verification relationships/,
    )
    expectFault(
      () =>
        decodeOperation(
          forge({ type: 'update', ...common, patches: Array.from({ length: 33 }, () => ({ action: 'remove-service', id: 's' })) }, u),
        ),
      'malformed',
      /at most 32 entries/,
    )
    expectFault(
      () => decodeOperation(forge({ type: 'recover', ...common, updateKey: u.publicKeyMultibase, document: {} }, u)),
      'malformed',
      /recoveryKey is missing/,
    )
    expectFault(() => decodeOperation(forge({ type: 'deactivate', ...common, patches: [] }, u)), 'malformed', /unknown field "patches"/)
    const deactivate = JSON.parse(utf8Decode(forge({ type: 'deactivate', ...common }, u)))
    expectFault(
      () => decodeOperation(utf8Encode(canonicalize({ ...deactivate, sig: 'AAAA' }))),
      'malformed',
      /sig must encode exactly 64 bytes/,
    )
    expectFault(
      () => decodeOperation(utf8Encode(canonicalize({ ...deactivate, sig: 'AA==' }))),
      'malformed',
      /sig must be unpadded base64url/,
    )
  })

  it('refuses wrong argument types', () => {
    expect(() => decodeOperation('{}' as never)).toThrow(TypeError)
  })
})

describe('builders', () => {
  it('refuse to build operations for a deactivated DID', async () => {
    const state = { did: 'did:grid:test:x', head: 'h', recoveryHead: 'r', deactivated: true }
    await expect(updateDid(state, key('u'), { patches: [] })).rejects.toBeInstanceOf(DidDeactivatedError)
    await expect(deactivateDid(state, key('u'))).rejects.toMatchObject({ code: 'ERR_GRID_DID_DEACTIVATED' })
  })

  it('refuse a signer that is not an OperationSigner', async () => {
    await expect(signOperation({ type: 'deactivate', did: 'x', prev: 'y' } as never, {} as never)).rejects.toThrow(TypeError)
  })
})

describe('Multikey', () => {
  it('round-trips Ed25519 and X25519 keys', () => {
    const k = Ed25519KeyPair.generate()
    expect(k.publicKeyMultibase.startsWith('z6Mk')).toBe(true)
    expect(decodeMultikey(k.publicKeyMultibase)).toEqual({ type: 'Ed25519', publicKey: k.publicKey })
    const x = encodeMultikey(new Uint8Array(32).fill(9), 'X25519')
    expect(x.startsWith('z6LS')).toBe(true)
    expect(decodeMultikey(x).type).toBe('X25519')
  })

  const bad: [string, string, RegExp][] = [
    ['not base58btc', 'uAAAA', /must be base58btc/],
    ['bad base58', `z${'0'.repeat(47)}`, /not valid base58btc/],
    ['unknown multicodec', base58btc.encode(Uint8Array.from([0xe7, 0x01, ...new Uint8Array(32).fill(200)])), /unsupported multicodec/],
    [
      'wrong length',
      base58btc.encode(Uint8Array.from([0xed, 0x01, ...new Uint8Array(31).fill(1)])),
      /Multikey is 48 characters, got 4[0-7]/,
    ],
    ['a huge string (rejected before the quadratic base58 decoding)', `z${'2'.repeat(200_000)}`, /Multikey is 48 characters, got 200001/],
    ['small-order key', base58btc.encode(Uint8Array.from([0xed, 0x01, 1, ...new Uint8Array(31)])), /small order/],
    [
      'non-canonical y',
      base58btc.encode(
        Uint8Array.from([0xed, 0x01, ...Buffer.from('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', 'hex')]),
      ),
      /not a valid Ed25519/,
    ],
  ]
  it.each(bad)('rejects %s with InvalidKeyError', (_name, text, message) => {
    let caught: unknown
    try {
      decodeMultikey(text)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(InvalidKeyError)
    expect((caught as InvalidKeyError).code).toBe('ERR_GRID_INVALID_KEY')
    expect((caught as Error).message).toMatch(message)
  })

  it('hands out copies, so a caller cannot alter what later decodes return', () => {
    const k = Ed25519KeyPair.generate()
    decodeMultikey(k.publicKeyMultibase).publicKey.fill(0)
    expect(decodeMultikey(k.publicKeyMultibase).publicKey).toEqual(k.publicKey)
    expect(() => decodeMultikey(k.publicKeyMultibase, 'X25519')).toThrow(/expected an X25519 key, got an Ed25519 key/)
  })

  it('rejects the wrong key type and bad arguments', () => {
    const x = encodeMultikey(new Uint8Array(32).fill(9), 'X25519')
    expect(() => decodeMultikey(x, 'Ed25519')).toThrow(/expected an Ed25519 key, got an X25519 key/)
    expect(() => decodeMultikey(42 as never)).toThrow(TypeError)
    expect(() => encodeMultikey(new Uint8Array(31))).toThrow(InvalidKeyError)
    expect(() => encodeMultikey('x' as never)).toThrow(TypeError)
  })
})

describe('Ed25519KeyPair', () => {
  it('never shows its secret key in JSON, inspect or enumeration', () => {
    const seed = new Uint8Array(32).fill(0xab)
    const k = Ed25519KeyPair.fromSecretKey(seed)
    const secretHex = Buffer.from(seed).toString('hex')
    const shown = [JSON.stringify(k), inspect(k, { showHidden: true, depth: 5 }), Object.keys(k).join()]
    for (const text of shown) {
      expect(text).not.toContain(secretHex)
      expect(text).not.toContain('171, 171, 171')
    }
    expect(Buffer.from(k.exportSecretKey()).toString('hex')).toBe(secretHex)
  })

  it('validates its argument', () => {
    expect(() => Ed25519KeyPair.fromSecretKey('x' as never)).toThrow(TypeError)
    expect(() => Ed25519KeyPair.fromSecretKey(new Uint8Array(31))).toThrow(RangeError)
    expect(() => Ed25519KeyPair.fromSecretKey(new Uint8Array(31))).toThrow(/secretKey must be 32 bytes, got 31/)
  })
})
