import { gunzipSync, gzipSync, deflateSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import {
  Bitstring,
  InvalidCredentialError,
  InvalidOperationError,
  ResourceNotFoundError,
  STATUS_LIST_MAX_BYTES,
  STATUS_LIST_MIN_LENGTH,
  STATUS_LIST_RESOURCE_TYPE,
  MemoryStatusIndexStore,
  StatusRegistry,
  deactivateDid,
  issueRoleCredential,
  resourceSuffix,
  updateDid,
  type StatusListEntry,
} from '../../src/index.js'
import type { GridError } from '../../src/errors.js'
import { expectRejects } from '../helpers.js'
import { CLAIMS, DAY, World } from './world.js'

// ---------------------------------------------------------------------------------------------
// Helpers

/** Runs `fn` and returns what it threw or rejected with (a synchronous throw counts too). */
async function failure(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a failure, but it succeeded')
}

async function expectRangeError(fn: () => unknown, message: RegExp) {
  const err = await failure(fn)
  expect(err).toBeInstanceOf(RangeError)
  expect((err as RangeError).message).toMatch(message)
}

async function expectGridError(fn: () => unknown, cls: abstract new (...args: never[]) => GridError, code: string, message: RegExp) {
  await expectRejects((async () => fn())(), cls, code, message)
}

const encode = (bytes: Uint8Array) => `u${gzipSync(bytes).toString('base64url')}`

function setBits(list: Bitstring): number[] {
  const out: number[] = []
  list.bytes.forEach((byte, i) => {
    for (let b = 0; b < 8; b++) if (byte & (0x80 >> b)) out.push(i * 8 + b)
  })
  return out
}

/** The credential's status entries, read straight from the JWT payload (no library code). */
function entriesOf(jwt: string): StatusListEntry[] {
  const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))
  return payload.vc.credentialStatus
}

/** The bits currently set in an anchored list. */
async function bitsOf(w: World, url: string): Promise<{ bits: number[]; versionId: number; length: number }> {
  const { version } = await w.resolver.resolveResource(url)
  const subject = (version.content as { credentialSubject: { encodedList: string } }).credentialSubject
  const list = await Bitstring.decode(subject.encodedList)
  return { bits: setBits(list), versionId: version.versionId, length: list.length }
}

// ---------------------------------------------------------------------------------------------

describe('Bitstring', () => {
  it('numbers bits MSB-first: bit 0 is 0x80 of byte 0', () => {
    const b = new Bitstring(16)
    expect(b.length).toBe(16)
    b.set(0, true)
    expect([...b.bytes]).toEqual([0x80, 0x00])
    b.set(7, true)
    expect([...b.bytes]).toEqual([0x81, 0x00])
    b.set(8, true)
    b.set(13, true)
    expect([...b.bytes]).toEqual([0x81, 0x84])
    expect([0, 7, 8, 13].every((i) => b.get(i))).toBe(true)
    expect([1, 2, 3, 4, 5, 6, 9, 10, 11, 12, 14, 15].some((i) => b.get(i))).toBe(false)
    b.set(0, false)
    b.set(13, false)
    b.set(1, false) // clearing a clear bit changes nothing
    expect([...b.bytes]).toEqual([0x01, 0x80])
    expect(b.get(0)).toBe(false)
  })

  it('reads existing bytes in the same order', () => {
    const b = new Bitstring(Uint8Array.from([0b0100_0000, 0b0000_0001]))
    expect(b.length).toBe(16)
    expect(setBits(b)).toEqual([1, 15])
    expect(b.get(1)).toBe(true)
    expect(b.get(15)).toBe(true)
  })

  it.each([0, -8, 12, 1.5, Number.NaN, 2 ** 60])('refuses length %s with a RangeError', async (length) => {
    await expectRangeError(() => new Bitstring(length), /length must be a positive multiple of 8/)
  })

  it.each([-1, 16, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('refuses to set index %s with a RangeError', async (index) => {
    const b = new Bitstring(16)
    await expectRangeError(() => b.set(index, true), /index must be 0-15/)
    expect([...b.bytes]).toEqual([0, 0])
  })

  // Bug report test: get() has no bounds check, so an index outside the list reads as "not set"
  // (for a status list: "not revoked"), failing open, where set() refuses the same index.
  it('get refuses an index outside the list with a RangeError, like set', async () => {
    const b = new Bitstring(Uint8Array.from([0xff, 0xff]))
    for (const index of [-1, 16, 1.5]) {
      await expectRangeError(() => b.get(index), /index must be 0-15/)
    }
  })

  it('round-trips through encode and decode', async () => {
    const b = new Bitstring(STATUS_LIST_MIN_LENGTH)
    for (const i of [0, 1, 5, 4095, 65_536, STATUS_LIST_MIN_LENGTH - 1]) b.set(i, true)
    const encoded = await b.encode()
    expect(encoded).toMatch(/^u[A-Za-z0-9_-]+$/)
    const back = await Bitstring.decode(encoded)
    expect(back.length).toBe(STATUS_LIST_MIN_LENGTH)
    expect(setBits(back)).toEqual([0, 1, 5, 4095, 65_536, STATUS_LIST_MIN_LENGTH - 1])
    // What encode produces is plain GZIP any implementation can read.
    expect(Buffer.compare(gunzipSync(Buffer.from(encoded.slice(1), 'base64url')), Buffer.from(b.bytes))).toBe(0)
    // An empty list compresses well (the point of GZIP here).
    expect((await new Bitstring(STATUS_LIST_MIN_LENGTH).encode()).length).toBeLessThan(200)
  })

  it('decodes a list made by another implementation (node:zlib): bits 5 and 131071, no others', async () => {
    const bytes = Buffer.alloc(STATUS_LIST_MIN_LENGTH / 8)
    bytes[0] = 0x04 // bit 5
    bytes[bytes.length - 1] = 0x01 // bit 131071
    const list = await Bitstring.decode(encode(bytes))
    expect(list.length).toBe(131_072)
    expect(list.get(5)).toBe(true)
    expect(list.get(131_071)).toBe(true)
    expect(list.get(4)).toBe(false)
    expect(list.get(6)).toBe(false)
    expect(list.get(131_070)).toBe(false)
    expect(setBits(list)).toEqual([5, 131_071])
  })

  it('decodes the W3C Bitstring Status List example encodedList (131,072 clear bits)', async () => {
    const list = await Bitstring.decode('uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA')
    expect(list.length).toBe(131_072)
    expect(setBits(list)).toEqual([])
  })

  it.each([
    ['no multibase prefix', gzipSync(Buffer.alloc(16_384)).toString('base64url')],
    ['another multibase prefix', `z${gzipSync(Buffer.alloc(16_384)).toString('base64url')}`],
    ['only the prefix', 'u'],
    ['the empty string', ''],
    ['base64 (not base64url) characters', `u${gzipSync(Buffer.alloc(16_384)).toString('base64')}+/`],
    ['padding', `${encode(Buffer.alloc(16_384))}==`],
    ['whitespace', ` ${encode(Buffer.alloc(16_384))}`],
  ])('refuses %s', async (_name, encodedList) => {
    await expectRangeError(() => Bitstring.decode(encodedList), /encodedList must be multibase base64url \(u…\)/)
  })

  it('refuses a non-string', async () => {
    await expectRangeError(() => Bitstring.decode(42 as unknown as string), /encodedList must be multibase base64url/)
  })

  it.each([
    ['plain bytes', `u${Buffer.from('this is not gzip at all').toString('base64url')}`],
    ['a zlib (deflate) stream', `u${deflateSync(Buffer.alloc(16_384)).toString('base64url')}`],
    ['a truncated GZIP stream', `u${gzipSync(Buffer.alloc(16_384)).subarray(0, 20).toString('base64url')}`],
  ])('refuses %s as not GZIP', async (_name, encodedList) => {
    await expectRangeError(() => Bitstring.decode(encodedList), /encodedList is not valid GZIP data/)
  })

  it('refuses a list shorter than 131,072 bits, accepts exactly 131,072', async () => {
    await expectRangeError(
      () => Bitstring.decode(encode(Buffer.alloc(STATUS_LIST_MIN_LENGTH / 8 - 1))),
      /a status list has at least 131072 entries/,
    )
    await expectRangeError(() => Bitstring.decode(encode(Buffer.alloc(1))), /at least 131072 entries/)
    expect((await Bitstring.decode(encode(Buffer.alloc(STATUS_LIST_MIN_LENGTH / 8)))).length).toBe(STATUS_LIST_MIN_LENGTH)
  })

  it('refuses a gzip bomb (2 MiB of zeros) by its decompressed size', async () => {
    const bomb = encode(Buffer.alloc(2 * 1024 * 1024))
    expect(bomb.length).toBeLessThan(5_000)
    await expectRangeError(() => Bitstring.decode(bomb), /decompresses to more than 32768 bytes/)
  })

  it('accepts exactly STATUS_LIST_MAX_BYTES decompressed, and refuses one byte more', async () => {
    expect(STATUS_LIST_MAX_BYTES).toBe(32_768)
    const max = await Bitstring.decode(encode(Buffer.alloc(STATUS_LIST_MAX_BYTES)))
    expect(max.length).toBe(8 * STATUS_LIST_MAX_BYTES)
    await expectRangeError(() => Bitstring.decode(encode(Buffer.alloc(STATUS_LIST_MAX_BYTES + 1))), /decompresses to more than 32768 bytes/)
  })
})

// ---------------------------------------------------------------------------------------------

describe('StatusRegistry: allocation', () => {
  it('returns a revocation and a suspension entry with the same decimal index', async () => {
    const w = await World.create()
    const [revocation, suspension] = await w.status.allocate()
    const base = `${w.utility.did}/resources/status-`
    expect(revocation.statusListIndex).toMatch(/^(0|[1-9][0-9]*)$/)
    expect(Number(revocation.statusListIndex)).toBeLessThan(STATUS_LIST_MIN_LENGTH)
    expect(suspension.statusListIndex).toBe(revocation.statusListIndex)
    expect(revocation).toEqual({
      id: `${base}revocation-1#${revocation.statusListIndex}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'revocation',
      statusListIndex: revocation.statusListIndex,
      statusListCredential: `${base}revocation-1`,
    })
    expect(suspension).toEqual({
      id: `${base}suspension-1#${revocation.statusListIndex}`,
      type: 'BitstringStatusListEntry',
      statusPurpose: 'suspension',
      statusListIndex: revocation.statusListIndex,
      statusListCredential: `${base}suspension-1`,
    })
  })

  it('allocates distinct random indexes (200 allocations, no duplicate, not in issuance order)', async () => {
    const w = await World.create()
    const indexes: number[] = []
    for (let i = 0; i < 200; i++) {
      const [r, s] = await w.status.allocate()
      expect(s.statusListIndex).toBe(r.statusListIndex)
      expect(r.statusListCredential).toBe(`${w.utility.did}/resources/status-revocation-1`)
      indexes.push(Number(r.statusListIndex))
    }
    expect(new Set(indexes).size).toBe(200)
    expect(indexes.every((i) => Number.isSafeInteger(i) && i >= 0 && i < STATUS_LIST_MIN_LENGTH)).toBe(true)
    const sorted = [...indexes].sort((a, b) => a - b)
    expect(indexes).not.toEqual(sorted)
    expect(sorted.at(-1)! - sorted[0]!).toBeGreaterThan(10_000)
  })

  it('anchors each list lazily, empty, on the first allocation only', async () => {
    const w = await World.create()
    const rev = `${w.utility.did}/resources/status-revocation-1`
    const sus = `${w.utility.did}/resources/status-suspension-1`
    for (const url of [rev, sus]) {
      await expectGridError(
        () => w.resolver.resolveResource(url),
        ResourceNotFoundError,
        'ERR_GRID_RESOURCE_NOT_FOUND',
        /status-(revocation|suspension)-1 was not found/,
      )
    }
    await w.status.allocate()
    for (const [url, purpose] of [
      [rev, 'revocation'],
      [sus, 'suspension'],
    ] as const) {
      const { version } = await w.resolver.resolveResource(url)
      expect(version.versionId).toBe(1)
      expect(version.resourceType).toBe(STATUS_LIST_RESOURCE_TYPE)
      expect(version.content).toMatchObject({
        id: url,
        type: ['VerifiableCredential', 'BitstringStatusListCredential'],
        issuer: w.utility.did,
        credentialSubject: { id: `${url}#list`, type: 'BitstringStatusList', statusPurpose: purpose },
      })
      expect(await bitsOf(w, url)).toEqual({ bits: [], versionId: 1, length: STATUS_LIST_MIN_LENGTH })
    }
    const head = await w.ledger.head()
    await w.status.allocate()
    expect(await w.ledger.head()).toEqual(head)
  })

  it('opens list 2 once fillLimit allocations are in list 1', async () => {
    const w = await World.create()
    const status = new StatusRegistry({
      did: w.utility.did,
      signer: w.utility.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
      listLength: 131_072,
      fillLimit: 3,
    })
    const lists: string[] = []
    for (let i = 0; i < 4; i++) {
      const [r, s] = await status.allocate()
      lists.push(r.statusListCredential.split('/').at(-1)!, s.statusListCredential.split('/').at(-1)!)
    }
    expect(lists).toEqual([
      'status-revocation-1',
      'status-suspension-1',
      'status-revocation-1',
      'status-suspension-1',
      'status-revocation-1',
      'status-suspension-1',
      'status-revocation-2',
      'status-suspension-2',
    ])
    expect((await w.resolver.resolveResource(`${w.utility.did}/resources/status-revocation-2`)).version.versionId).toBe(1)
    expect((await w.resolver.resolveResource(`${w.utility.did}/resources/status-suspension-2`)).version.versionId).toBe(1)
  })

  it.each([
    [{ listLength: 1000 }, /listLength must be a multiple of 8 from 131072 to 262144/],
    [{ listLength: 131_073 }, /listLength must be a multiple of 8 from 131072 to 262144/],
    [{ listLength: 131_064 }, /listLength must be a multiple of 8 from 131072 to 262144/],
    [{ listLength: 262_152 }, /listLength must be a multiple of 8 from 131072 to 262144/],
    [{ fillLimit: 0 }, /fillLimit must be an integer from 1 to a quarter of the list length/],
    [{ fillLimit: 1.5 }, /fillLimit must be an integer from 1/],
    [{ fillLimit: 32_769 }, /fillLimit must be an integer from 1 to a quarter of the list length/],
  ])('refuses options %o with a RangeError', async (options, message) => {
    const w = await World.create()
    await expectRangeError(
      () =>
        new StatusRegistry({
          did: w.utility.did,
          signer: w.utility.signing,
          ledger: w.ledger,
          resolver: w.resolver,
          store: new MemoryStatusIndexStore(),
          ...options,
        }),
      message,
    )
  })
})

describe('StatusRegistry: status changes', () => {
  async function credential(w: World, label: string) {
    const subject = await w.party(label)
    const jwt = await w.issue('user', subject.did)
    const [revocation, suspension] = entriesOf(jwt)
    return { jwt, revocation: revocation!, suspension: suspension!, index: Number(revocation!.statusListIndex) }
  }

  it('revoke sets the bit in the revocation list, and only there', async () => {
    const w = await World.create()
    const c = await credential(w, 'holder-1')
    await w.status.revoke(c.jwt)
    expect(await bitsOf(w, c.revocation.statusListCredential)).toEqual({ bits: [c.index], versionId: 2, length: STATUS_LIST_MIN_LENGTH })
    expect((await bitsOf(w, c.suspension.statusListCredential)).bits).toEqual([])
  })

  it('refuses, before anchoring, a change the ledger would skip: a key no longer authorised, a deactivated issuer', async () => {
    const w = await World.create()
    const c = await credential(w, 'holder-junk')
    // The utility removes its signing key; a registry still holding it must not anchor junk.
    const state = await w.resolver.resolveState(w.utility.did)
    await w.ledger.submit([await updateDid(state, w.utility.update, { patches: [{ action: 'remove-verification-method', id: 'key-1' }] })])
    const head = await w.ledger.head()
    const err = await expectRejects(
      w.status.revoke(c.jwt),
      InvalidOperationError,
      'ERR_GRID_INVALID_OPERATION',
      /^the resource of did:grid:test:\S+ would not apply, so it was not anchored: not signed by the owner's update key or an assertionMethod key$/,
    )
    expect((err as InvalidOperationError).reason).toBe('unauthorized')
    expect(await w.ledger.head()).toEqual(head)
    // With the update key it works, until the issuer is deactivated.
    const byUpdateKey = new StatusRegistry({
      did: w.utility.did,
      signer: w.utility.update,
      ledger: w.ledger,
      resolver: w.resolver,
      store: w.statusStore,
    })
    await byUpdateKey.suspend(c.jwt)
    await w.ledger.submit([await deactivateDid(await w.resolver.resolveState(w.utility.did), w.utility.recovery)])
    const gone = await w.ledger.head()
    const dead = await expectRejects(
      byUpdateKey.revoke(c.jwt),
      InvalidOperationError,
      'ERR_GRID_INVALID_OPERATION',
      /not anchored: the owner DID is deactivated$/,
    )
    expect((dead as InvalidOperationError).reason).toBe('after-deactivation')
    expect(await w.ledger.head()).toEqual(gone)
  })

  it('revoking twice is harmless: no new version the second time', async () => {
    const w = await World.create()
    const c = await credential(w, 'holder-2')
    await w.status.revoke(c.jwt)
    const head = await w.ledger.head()
    await w.status.revoke(c.jwt)
    await w.status.revoke([c.revocation]) // by entries, too
    expect(await w.ledger.head()).toEqual(head)
    expect(await bitsOf(w, c.revocation.statusListCredential)).toMatchObject({ bits: [c.index], versionId: 2 })
  })

  it('suspend sets the suspension bit and reinstate clears it', async () => {
    const w = await World.create()
    const c = await credential(w, 'holder-3')
    await w.status.suspend(c.jwt)
    expect(await bitsOf(w, c.suspension.statusListCredential)).toMatchObject({ bits: [c.index], versionId: 2 })
    await w.status.reinstate(c.jwt)
    expect(await bitsOf(w, c.suspension.statusListCredential)).toMatchObject({ bits: [], versionId: 3 })
    expect(await bitsOf(w, c.revocation.statusListCredential)).toMatchObject({ bits: [], versionId: 1 })
    // Reinstating what is not suspended anchors nothing.
    const head = await w.ledger.head()
    await w.status.reinstate(c.jwt)
    expect(await w.ledger.head()).toEqual(head)
  })

  it('refuses to lift a revocation (RangeError), changing nothing', async () => {
    const w = await World.create()
    const c = await credential(w, 'holder-4')
    await w.status.revoke(c.jwt)
    const head = await w.ledger.head()
    await expectRangeError(
      () => w.status.update([{ credential: c.jwt, purpose: 'revocation', value: false }]),
      /a revocation cannot be lifted/,
    )
    expect(await w.ledger.head()).toEqual(head)
    expect((await bitsOf(w, c.revocation.statusListCredential)).bits).toEqual([c.index])
  })

  it('refuses a non-JWT, another issuer’s credential and entries of another issuer’s lists', async () => {
    const w = await World.create()
    const other = await w.party('other-issuer')
    const otherStatus = new StatusRegistry({
      did: other.did,
      signer: other.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const holder = await w.party('holder-5')
    const foreign = await issueRoleCredential({
      issuer: other.jwt,
      role: 'user',
      subject: holder.did,
      claims: CLAIMS.user,
      schema: w.schemas.user,
      status: otherStatus,
      issuedAt: w.now,
      validUntil: w.now + DAY,
    })
    const head = await w.ledger.head()
    const code = 'ERR_GRID_INVALID_CREDENTIAL'
    await expectGridError(() => w.status.revoke('not-a-jwt'), InvalidCredentialError, code, /the credential is not a JWT/)
    await expectGridError(() => w.status.revoke('a.b.c'), InvalidCredentialError, code, /the credential is not a JWT/)
    await expectGridError(
      () => w.status.revoke(foreign),
      InvalidCredentialError,
      code,
      new RegExp(`issued by ${other.did}, not ${w.utility.did}`),
    )
    await expectGridError(
      () => w.status.revoke(entriesOf(foreign)),
      InvalidCredentialError,
      code,
      new RegExp(`has no revocation entry in a list of ${w.utility.did}`),
    )
    const otherEntries = await otherStatus.allocate()
    await expectGridError(() => w.status.suspend(otherEntries), InvalidCredentialError, code, /has no suspension entry in a list of/)
    // An entry of this issuer's list, but with an index outside the anchored list's real length.
    const own = (await w.status.allocate())[0]
    const outside = { ...own, statusListIndex: String(STATUS_LIST_MIN_LENGTH) }
    await expectGridError(
      () => w.status.revoke([outside]),
      InvalidCredentialError,
      code,
      /^index 131072 is outside the 131072-entry list did:grid:test:\S+\/resources\/status-revocation-1$/,
    )
    await expectGridError(
      () => w.status.revoke([{ ...own, statusListIndex: '007' }]),
      InvalidCredentialError,
      code,
      /has no revocation entry/,
    )
    // A revocation entry does not serve for suspension.
    await expectGridError(() => w.status.suspend([own]), InvalidCredentialError, code, /has no suspension entry/)
    const after = await w.ledger.head()
    // Only the lazily anchored lists of the two allocations above were added; no status change.
    expect(after.height - head.height).toBe(2)
  })

  it('serialises concurrent revocations: both land', async () => {
    const w = await World.create()
    const a = await credential(w, 'holder-a')
    const b = await credential(w, 'holder-b')
    expect(a.revocation.statusListCredential).toBe(b.revocation.statusListCredential)
    await Promise.all([w.status.revoke(a.jwt), w.status.revoke(b.jwt)])
    const { bits, versionId } = await bitsOf(w, a.revocation.statusListCredential)
    expect(bits).toEqual([a.index, b.index].sort((x, y) => x - y))
    expect(versionId).toBe(3)
    // No version was lost to a race: every anchored version of the list applied.
    const resourceId = a.revocation.statusListCredential.split('/').at(-1)!
    expect(await w.ledger.read(resourceSuffix(w.utility.did, resourceId))).toHaveLength(3)
  })

  it('two registries of one issuer (two services) revoking at once: the loser re-applies on top, nothing is undone', async () => {
    const w = await World.create()
    const a = await credential(w, 'holder-e')
    const b = await credential(w, 'holder-f')
    // A second service of the same issuer shares the durable index store.
    const other = new StatusRegistry({
      did: w.utility.did,
      signer: w.utility.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: w.statusStore,
    })
    await Promise.all([w.status.revoke(a.jwt), other.revoke(b.jwt)])
    const { bits } = await bitsOf(w, a.revocation.statusListCredential)
    expect(bits).toEqual([a.index, b.index].sort((x, y) => x - y))
    // One of the two lost the race (its version was anchored and skipped) and retried on the winner's.
    const resourceId = a.revocation.statusListCredential.split('/').at(-1)!
    expect(await w.ledger.read(resourceSuffix(w.utility.did, resourceId))).toHaveLength(4)
    expect((await bitsOf(w, a.revocation.statusListCredential)).versionId).toBe(3)
  })

  it('applies a batch of changes as one version per list touched', async () => {
    const w = await World.create()
    const a = await credential(w, 'holder-c')
    const b = await credential(w, 'holder-d')
    await w.status.update([
      { credential: a.jwt, purpose: 'revocation', value: true },
      { credential: b.jwt, purpose: 'revocation', value: true },
      { credential: b.jwt, purpose: 'suspension', value: true },
    ])
    expect(await bitsOf(w, a.revocation.statusListCredential)).toMatchObject({
      bits: [a.index, b.index].sort((x, y) => x - y),
      versionId: 2,
    })
    expect(await bitsOf(w, b.suspension.statusListCredential)).toMatchObject({ bits: [b.index], versionId: 2 })
  })

  // Bug report test: these methods return promises but throw synchronously on bad input, so
  // `registry.revoke(x).catch(handle)` or `Promise.allSettled([...])` never sees the error.
  it('reports bad input as a rejected promise, not a synchronous throw', async () => {
    const w = await World.create()
    const c = await credential(w, 'holder-6')
    let syncThrow: unknown
    let promise: Promise<void> | undefined
    try {
      promise = w.status.revoke('not-a-jwt')
    } catch (err) {
      syncThrow = err
    }
    expect(syncThrow).toBeUndefined()
    await expectGridError(() => promise, InvalidCredentialError, 'ERR_GRID_INVALID_CREDENTIAL', /the credential is not a JWT/)
    syncThrow = undefined
    try {
      promise = w.status.update([{ credential: c.jwt, purpose: 'revocation', value: false }])
    } catch (err) {
      syncThrow = err
    }
    expect(syncThrow).toBeUndefined()
    await expectRangeError(() => promise, /a revocation cannot be lifted/)
  })
})
