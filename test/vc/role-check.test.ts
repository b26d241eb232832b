import { createHash } from 'node:crypto'
import { createVerifiableCredentialJwt } from 'did-jwt-vc'
import { describe, expect, it } from 'vitest'
import {
  HeightNotReachedError,
  InvalidClaimsError,
  MemoryStatusIndexStore,
  StatusRegistry,
  checkRole,
  createPresentation,
  deactivateDid,
  issueMandate,
  issueRoleCredential,
  recoverDid,
  termsDigest,
  updateDid,
  verifyCredential,
  type Ed25519KeyPair,
  type RoleCheckContext,
  type RoleDecision,
  type RoleName,
  type StatusListEntry,
} from '../../src/index.js'
import { key, vm } from '../helpers.js'
import { CLAIMS, DAY, T0, World, type Party } from './world.js'

// ---------------------------------------------------------------------------------------------
// Local fixture helpers (JWT surgery, presentations, extra issuers)
// ---------------------------------------------------------------------------------------------

const b64 = (value: string | object): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')
const json = (part: string): Record<string, any> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))

function split(jwt: string): { header: Record<string, any>; payload: Record<string, any>; h: string; p: string; s: string } {
  const [h, p, s] = jwt.split('.') as [string, string, string]
  return { header: json(h), payload: json(p), h, p, s }
}

const jtiOf = (jwt: string): string => split(jwt).payload.jti as string
const codes = (d: { reasons: { code: string }[] }): string[] => d.reasons.map((r) => r.code)

/** did-jwt's Signer over an Ed25519 key pair. */
const jwtSigner = (k: Ed25519KeyPair) => async (data: string | Uint8Array) =>
  Buffer.from(await k.sign(typeof data === 'string' ? Buffer.from(data, 'utf8') : data)).toString('base64url')

/** A VC-JWT made with did-jwt-vc directly, bypassing issueRoleCredential's claim checks. */
function craftCredential(issuer: { did: string; signing: Ed25519KeyPair }, payload: Record<string, unknown>): Promise<string> {
  return createVerifiableCredentialJwt(
    payload as never,
    { did: issuer.did, signer: jwtSigner(issuer.signing), alg: 'EdDSA' },
    {
      header: { alg: 'EdDSA', kid: `${issuer.did}#key-1` },
    },
  )
}

const AUDIENCE = 'did:grid:test:contract#response'
const CHALLENGE = 'nonce-0001'

/** A presentation by `holder` bound to the default audience and challenge of `w.context()`. */
function present(
  w: World,
  holder: Party,
  credentials: string[],
  options: { audience?: string; challenge?: string; issuedAt?: number; validUntil?: number } = {},
): Promise<string> {
  return createPresentation({
    holder: holder.jwt,
    credentials,
    audience: options.audience ?? AUDIENCE,
    challenge: options.challenge ?? CHALLENGE,
    issuedAt: options.issuedAt ?? w.now,
    ...(options.validUntil !== undefined ? { validUntil: options.validUntil } : {}),
  })
}

/** The role-check context at the ledger head, at `time` (default the world's clock). */
async function contextAt(w: World, time = w.now, extra: Partial<RoleCheckContext> = {}): Promise<RoleCheckContext> {
  return { ...(await w.context()), time, ...extra }
}

/** Trusts `did` (besides the utility) for the given roles. */
function trustAlso(w: World, did: string, roles: RoleName[]): Promise<void> {
  const issuers = (role: RoleName) => (roles.includes(role) ? [w.utility.did, did] : [w.utility.did])
  return w.trust({ user: issuers('user'), aggregator: issuers('aggregator'), 'production-base': issuers('production-base') })
}

/** A user credential issued by another party, with that party's own status lists. */
function issueUserBy(w: World, issuer: Party, status: StatusRegistry, subject: string, role: RoleName = 'user'): Promise<string> {
  return issueRoleCredential({
    issuer: issuer.jwt,
    role,
    subject,
    claims: CLAIMS[role],
    schema: w.schemas[role],
    status,
    issuedAt: w.now,
    validUntil: w.now + 30 * DAY,
  })
}

function mandate(
  w: World,
  user: Party,
  aggregator: string,
  extra: { actions?: string[]; maxKw?: number; validUntil?: number; issuedAt?: number } = {},
): Promise<string> {
  return issueMandate({
    user: user.jwt,
    aggregator,
    actions: extra.actions ?? ['response.bid', 'settlement.receive'],
    maxKw: extra.maxKw ?? 200,
    schema: w.schemas.mandate,
    issuedAt: extra.issuedAt ?? w.now,
    validUntil: extra.validUntil ?? w.now + 90 * DAY,
  })
}

/** The aggregator scenario: an aggregator, a user, their credentials and a mandate. */
async function aggregatorWorld() {
  const w = await World.create()
  const agg = await w.party('agg')
  const user = await w.party('user-a')
  const aggVc = await w.issue('aggregator', agg.did)
  const userVc = await w.issue('user', user.did)
  const mandateVc = await mandate(w, user, agg.did)
  return { w, agg, user, aggVc, userVc, mandateVc }
}

function expectDenied(d: RoleDecision, expected: string[]): void {
  expect(codes(d)).toEqual(expected)
  expect(d.allowed).toBe(false)
}

// ---------------------------------------------------------------------------------------------

describe('checkRole: valid presentations', () => {
  it('1. a user acting for itself is allowed', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did)
    const d = await checkRole(await present(w, user, [vc]), { role: 'user', action: 'response.bid' }, await w.context())
    expect(d.reasons).toEqual([])
    expect(d.allowed).toBe(true)
    expect(d.role).toBe('user')
    expect(d.action).toBe('response.bid')
    expect(d.subject).toBe(user.did)
    expect(d.actingFor).toBe(user.did)
    expect(d.credentials).toEqual([jtiOf(vc)])
    expect(d.credentials[0]).toMatch(/^urn:uuid:[0-9a-f-]{36}$/)
    expect(d.claims).toEqual(CLAIMS.user)
    expect(d.time).toBe(w.now)
    expect(d.height).toBe((await w.ledger.head()).height)
  })

  it('2. an aggregator acting for a user under a mandate is allowed', async () => {
    const { w, agg, user, aggVc, userVc, mandateVc } = await aggregatorWorld()
    const vp = await present(w, agg, [aggVc, mandateVc, userVc])
    const d = await checkRole(vp, { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did, capacityKw: 150 }, await w.context())
    expect(d.reasons).toEqual([])
    expect(d.allowed).toBe(true)
    expect(d.subject).toBe(agg.did)
    expect(d.actingFor).toBe(user.did)
    expect(d.credentials).toEqual([jtiOf(aggVc), jtiOf(mandateVc), jtiOf(userVc)])
    expect(d.claims).toEqual(CLAIMS.aggregator)
  })

  it('3. a production base within its maximum load is allowed', async () => {
    const w = await World.create()
    const base = await w.party('base-1')
    const vc = await w.issue('production-base', base.did)
    const d = await checkRole(
      await present(w, base, [vc]),
      { role: 'production-base', action: 'response.bid', capacityKw: 12_000 },
      await w.context(),
    )
    expect(d.reasons).toEqual([])
    expect(d.allowed).toBe(true)
    expect(d.subject).toBe(base.did)
    expect(d.actingFor).toBe(base.did)
    expect(d.credentials).toEqual([jtiOf(vc)])
    expect(d.claims).toEqual(CLAIMS['production-base'])
    expect(d.claims?.priorityClass).toBe(2)
  })
})

describe('checkRole: signatures and keys', () => {
  it('4a. a credential whose payload was altered after signing fails credential-signature', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did)
    const { h, payload, s } = split(vc)
    payload.vc.credentialSubject.contractedCapacityKva = 8_000
    const tampered = `${h}.${b64(payload)}.${s}`
    const d = await checkRole(await present(w, user, [tampered]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['credential-signature'])
    expect(d.reasons[0]!.message).toMatch(/^credential\[0\]: the signature does not verify with did:grid:test:[a-z2-7]+#key-1$/)
  })

  it('4b. a presentation whose signature was altered fails presentation-signature', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vp = await present(w, user, [await w.issue('user', user.did)])
    const { h, p, s } = split(vp)
    const sig = Buffer.from(s, 'base64url')
    sig[5] ^= 0x01
    const d = await checkRole(`${h}.${p}.${sig.toString('base64url')}`, { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['presentation-signature'])
    expect(d.reasons[0]!.message).toMatch(/signature does not verify with did:grid:test:[a-z2-7]+#key-1/)
  })

  it("5. someone other than the credential's subject cannot present it", async () => {
    const w = await World.create()
    const a = await w.party('user-a')
    const b = await w.party('user-b')
    const aVc = await w.issue('user', a.did)
    const d = await checkRole(await present(w, b, [aVc]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['role-missing', 'holder-not-subject'])
    expect(d.subject).toBe(b.did)
    expect(d.claims).toBeUndefined()
    expect(d.reasons[0]!.message).toMatch(/no user credential for did:grid:test:\S+ in the presentation/)
    expect(d.reasons[1]!.message).toMatch(new RegExp(`credential\\[0\\] is about ${a.did}, not the holder ${b.did}`))
  })

  it('6. a kid that is not in the issuer DID document fails kid-not-found', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await issueRoleCredential({
      issuer: { ...w.utility.jwt, keyId: 'key-9' },
      role: 'user',
      subject: user.did,
      claims: CLAIMS.user,
      schema: w.schemas.user,
      status: w.status,
      issuedAt: w.now,
      validUntil: w.now + DAY,
    })
    expect(split(vc).header.kid).toBe(`${w.utility.did}#key-9`)
    const d = await checkRole(await present(w, user, [vc]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['kid-not-found'])
    expect(d.reasons[0]!.message).toMatch(/#key-9 is not in the DID document of did:grid:test:/)
  })

  it('7. an issuer key outside assertionMethod fails kid-wrong-relationship', async () => {
    const w = await World.create()
    const issuer = await w.party('auth-only-issuer', ['authentication'])
    await trustAlso(w, issuer.did, ['user'])
    // The key cannot publish resources either: the status lists are anchored with the update key.
    const status = new StatusRegistry({
      did: issuer.did,
      signer: issuer.update,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const user = await w.party('user-1')
    const vc = await issueUserBy(w, issuer, status, user.did)
    const d = await checkRole(await present(w, user, [vc]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['kid-wrong-relationship'])
    expect(d.reasons[0]!.message).toMatch(/#key-1 is not in the assertionMethod relationship of did:grid:test:/)
  })

  it('7b. a presentation signed with a key outside authentication fails kid-wrong-relationship', async () => {
    const w = await World.create()
    const user = await w.party('assert-only-user', ['assertionMethod'])
    const vc = await w.issue('user', user.did)
    const d = await checkRole(await present(w, user, [vc]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['kid-wrong-relationship'])
    expect(d.reasons[0]!.message).toMatch(/^did:grid:test:\S+#key-1 is not in the authentication relationship of did:grid:test:/)
  })
})

describe('checkRole: validity window', () => {
  it('8a. a credential is expired at exactly exp, with no default skew', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did, undefined, 1)
    const exp = split(vc).payload.exp as number
    expect(exp).toBe(T0 + DAY)
    const req = { role: 'user', action: 'response.bid' } as const

    const before = await checkRole(await present(w, user, [vc], { issuedAt: exp - 1 }), req, await contextAt(w, exp - 1))
    expect(codes(before)).toEqual([])
    expect(before.allowed).toBe(true)

    const at = await checkRole(await present(w, user, [vc], { issuedAt: exp }), req, await contextAt(w, exp))
    expectDenied(at, ['credential-expired'])
    expect(at.reasons[0]!.message).toMatch(/^credential\[0\]: expired at 2027-01-02T00:00:00Z \(time is 2027-01-02T00:00:00Z\)$/)

    // did-jwt-vc would tolerate 300 s; the role check tolerates nothing unless asked.
    const within300 = await checkRole(await present(w, user, [vc], { issuedAt: exp + 299 }), req, await contextAt(w, exp + 299))
    expectDenied(within300, ['credential-expired'])
    expect((await verifyCredential(vc, await contextAt(w, exp + 1))).reasons.map((r) => r.code)).toEqual(['credential-expired'])
  })

  it('8b. context.clockSkew = 5 accepts a credential up to 5 s past exp', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did, undefined, 1)
    const exp = split(vc).payload.exp as number
    const req = { role: 'user', action: 'response.bid' } as const
    const ok = await checkRole(await present(w, user, [vc], { issuedAt: exp }), req, await contextAt(w, exp, { clockSkew: 5 }))
    expect(codes(ok)).toEqual([])
    expect(ok.allowed).toBe(true)
    const ok4 = await checkRole(await present(w, user, [vc], { issuedAt: exp + 4 }), req, await contextAt(w, exp + 4, { clockSkew: 5 }))
    expect(codes(ok4)).toEqual([])
    const late = await checkRole(await present(w, user, [vc], { issuedAt: exp + 5 }), req, await contextAt(w, exp + 5, { clockSkew: 5 }))
    expectDenied(late, ['credential-expired'])
  })

  it('8c. a credential whose validFrom is in the future fails credential-not-yet-valid', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await issueRoleCredential({
      issuer: w.utility.jwt,
      role: 'user',
      subject: user.did,
      claims: CLAIMS.user,
      schema: w.schemas.user,
      status: w.status,
      issuedAt: w.now,
      validFrom: w.now + 3_600,
      validUntil: w.now + DAY,
    })
    const req = { role: 'user', action: 'response.bid' } as const
    const early = await checkRole(await present(w, user, [vc]), req, await w.context())
    expectDenied(early, ['credential-not-yet-valid'])
    expect(early.reasons[0]!.message).toMatch(/^credential\[0\]: not valid before 2027-01-01T01:00:00Z \(time is 2027-01-01T00:00:00Z\)$/)
    const onTime = await checkRole(await present(w, user, [vc], { issuedAt: w.now + 3_600 }), req, await contextAt(w, w.now + 3_600))
    expect(codes(onTime)).toEqual([])
    expect(onTime.allowed).toBe(true)
  })
})

describe('checkRole: status lists', () => {
  it('9a. a revoked credential fails status-revoked (and the check at the earlier height still passes)', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did)
    const vp = await present(w, user, [vc])
    const req = { role: 'user', action: 'response.bid' } as const
    const beforeCtx = await w.context()
    await w.status.revoke(vc)
    const d = await checkRole(vp, req, await w.context())
    expectDenied(d, ['status-revoked'])
    expect(d.reasons[0]!.message).toMatch(/^credential\[0\]: revoked \(did:grid:test:\S+\/resources\/status-revocation-1 #\d+\)$/)
    // Pinned to the height before the revocation, the answer does not change.
    const then = await checkRole(vp, req, beforeCtx)
    expect(codes(then)).toEqual([])
    expect(then.allowed).toBe(true)
  })

  it('9b. a suspended credential fails status-suspended, and passes again once reinstated', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did)
    const vp = await present(w, user, [vc])
    const req = { role: 'user', action: 'response.bid' } as const
    await w.status.suspend(vc)
    const suspended = await checkRole(vp, req, await w.context())
    expectDenied(suspended, ['status-suspended'])
    expect(suspended.reasons[0]!.message).toMatch(/suspended \(did:grid:test:\S+\/resources\/status-suspension-1 #\d+\)/)
    await w.status.reinstate(vc)
    const reinstated = await checkRole(vp, req, await w.context())
    expect(codes(reinstated)).toEqual([])
    expect(reinstated.allowed).toBe(true)
  })

  it('9c. revoking one credential does not affect another in the same list', async () => {
    const w = await World.create()
    const a = await w.party('user-a')
    const b = await w.party('user-b')
    const aVc = await w.issue('user', a.did)
    const bVc = await w.issue('user', b.did)
    const statusOf = (jwt: string) => split(jwt).payload.vc.credentialStatus as StatusListEntry[]
    const [aRev] = statusOf(aVc)
    const [bRev] = statusOf(bVc)
    expect(aRev!.statusListCredential).toBe(bRev!.statusListCredential)
    expect(aRev!.statusListIndex).not.toBe(bRev!.statusListIndex)
    await w.status.revoke(aVc)
    const req = { role: 'user', action: 'response.bid' } as const
    const ctx = await w.context()
    expectDenied(await checkRole(await present(w, a, [aVc]), req, ctx), ['status-revoked'])
    const other = await checkRole(await present(w, b, [bVc]), req, ctx)
    expect(codes(other)).toEqual([])
    expect(other.allowed).toBe(true)
  })

  it('9d. a role credential without credentialStatus fails status-missing for revocation and suspension', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const req = { role: 'user', action: 'response.bid' } as const
    // Signed with did-jwt-vc directly, no credentialStatus at all.
    const crafted = await craftCredential(w.utility, {
      iss: w.utility.did,
      sub: user.did,
      iat: w.now,
      nbf: w.now,
      exp: w.now + DAY,
      jti: 'urn:uuid:00000000-0000-4000-8000-000000000001',
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'GridUserCredential'],
        credentialSubject: CLAIMS.user,
        credentialSchema: { id: w.schemas.user, type: 'JsonSchema' },
      },
    })
    expect(split(crafted).payload.vc.credentialStatus).toBeUndefined()
    const d = await checkRole(await present(w, user, [crafted]), req, await w.context())
    expectDenied(d, ['status-missing', 'status-missing'])
    expect(d.reasons[0]!.message).toMatch(/a user credential needs a revocation status entry/)
    expect(d.reasons[1]!.message).toMatch(/a user credential needs a suspension status entry/)

    // Issued with no status entries.
    const empty = await issueRoleCredential({
      issuer: w.utility.jwt,
      role: 'user',
      subject: user.did,
      claims: CLAIMS.user,
      schema: w.schemas.user,
      status: [],
      issuedAt: w.now,
      validUntil: w.now + DAY,
    })
    expectDenied(await checkRole(await present(w, user, [empty]), req, await w.context()), ['status-missing', 'status-missing'])
  })
})

describe('checkRole: trust and schema', () => {
  it('10a. an issuer absent from the trust registry fails issuer-untrusted', async () => {
    const w = await World.create()
    const rogue = await w.party('rogue')
    const status = new StatusRegistry({
      did: rogue.did,
      signer: rogue.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const user = await w.party('user-1')
    const vc = await issueUserBy(w, rogue, status, user.did)
    const d = await checkRole(await present(w, user, [vc]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['issuer-untrusted'])
    expect(d.reasons[0]!.message).toMatch(new RegExp(`^credential\\[0\\]: ${rogue.did} is not trusted to issue user credentials$`))
  })

  it('10b. an issuer trusted for user only cannot issue aggregator credentials', async () => {
    const w = await World.create()
    const issuer = await w.party('user-issuer')
    await trustAlso(w, issuer.did, ['user'])
    const status = new StatusRegistry({
      did: issuer.did,
      signer: issuer.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const holder = await w.party('agg-1')
    const aggVc = await issueUserBy(w, issuer, status, holder.did, 'aggregator')
    const d = await checkRole(await present(w, holder, [aggVc]), { role: 'aggregator', action: 'response.bid' }, await w.context())
    expectDenied(d, ['issuer-untrusted'])
    expect(d.reasons[0]!.message).toMatch(/is not trusted to issue aggregator credentials$/)
    // The same issuer's user credential is fine.
    const userVc = await issueUserBy(w, issuer, status, holder.did, 'user')
    const ok = await checkRole(await present(w, holder, [userVc]), { role: 'user', action: 'response.bid' }, await w.context())
    expect(codes(ok)).toEqual([])
    expect(ok.allowed).toBe(true)
  })

  it('11a. claims that break the anchored schema fail schema-invalid', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const status = await w.status.allocate()
    const crafted = await craftCredential(w.utility, {
      iss: w.utility.did,
      sub: user.did,
      iat: w.now,
      nbf: w.now,
      exp: w.now + DAY,
      jti: 'urn:uuid:00000000-0000-4000-8000-000000000002',
      vc: {
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiableCredential', 'GridUserCredential'],
        credentialSubject: { ...CLAIMS.user, region: '000000' },
        credentialSchema: { id: w.schemas.user, type: 'JsonSchema' },
        credentialStatus: status,
      },
    })
    const d = await checkRole(await present(w, user, [crafted]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['schema-invalid'])
    expect(d.reasons[0]!.message).toMatch(/^credential\[0\]: \/region: must match pattern/)
  })

  it('11b. a credential naming another schema than the registry fails schema-invalid', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    // A valid aggregator schema URL, but the wrong one for a user credential.
    const vc = await issueRoleCredential({
      issuer: w.utility.jwt,
      role: 'user',
      subject: user.did,
      claims: CLAIMS.user,
      schema: w.schemas.aggregator,
      status: w.status,
      issuedAt: w.now,
      validUntil: w.now + DAY,
    })
    const d = await checkRole(await present(w, user, [vc]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['schema-invalid'])
    expect(d.reasons[0]!.message).toMatch(/credentialSchema must be did:grid:test:\S+\/resources\/schema-user-v2$/)
  })

  it('11c. issueRoleCredential refuses a unified social credit code with a wrong check character', async () => {
    const w = await World.create()
    const agg = await w.party('agg-1')
    const err = await issueRoleCredential({
      issuer: w.utility.jwt,
      role: 'aggregator',
      subject: agg.did,
      claims: { ...CLAIMS.aggregator, unifiedSocialCreditCode: '91350100M000100Y44' },
      schema: w.schemas.aggregator,
      status: w.status,
      issuedAt: w.now,
      validUntil: w.now + DAY,
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(InvalidClaimsError)
    expect((err as InvalidClaimsError).code).toBe('ERR_GRID_INVALID_CLAIMS')
    expect((err as InvalidClaimsError).message).toMatch(
      /^aggregator claims do not match the schema: \/unifiedSocialCreditCode: must match format "unified-social-credit-code"/,
    )
    expect((err as InvalidClaimsError).errors).toEqual(['/unifiedSocialCreditCode: must match format "unified-social-credit-code"'])
  })
})

describe('checkRole: mandates', () => {
  const req = (user: string, capacityKw = 150) => ({ role: 'aggregator' as const, action: 'response.bid', onBehalfOf: user, capacityKw })

  it('12a. a mandate that does not cover the action fails mandate-action', async () => {
    const { w, agg, user, aggVc, userVc } = await aggregatorWorld()
    const m = await mandate(w, user, agg.did, { actions: ['settlement.receive'] })
    const d = await checkRole(await present(w, agg, [aggVc, m, userVc]), req(user.did), await w.context())
    expectDenied(d, ['mandate-action'])
    expect(d.reasons[0]!.message).toMatch(/^the mandate does not cover response\.bid$/)
  })

  it("12b. a capacity above the mandate's maxKw fails mandate-capacity", async () => {
    const { w, agg, user, aggVc, userVc, mandateVc } = await aggregatorWorld()
    const d = await checkRole(await present(w, agg, [aggVc, mandateVc, userVc]), req(user.did, 250), await w.context())
    expectDenied(d, ['mandate-capacity'])
    expect(d.reasons[0]!.message).toMatch(/^250 kW exceeds the mandate's 200 kW$/)
    const edge = await checkRole(await present(w, agg, [aggVc, mandateVc, userVc]), req(user.did, 200), await w.context())
    expect(codes(edge)).toEqual([])
  })

  it("12i. the acted-for user's own limits bind the aggregator: contracted capacity and licensed region", async () => {
    const w = await World.create()
    const agg = await w.party('agg')
    const user = await w.party('user-a')
    const aggVc = await w.issue('aggregator', agg.did)
    const small = await w.issue('user', user.did, { ...CLAIMS.user, contractedCapacityKva: 100 })
    const m = await mandate(w, user, agg.did, { maxKw: 500 })
    const over = await checkRole(await present(w, agg, [aggVc, m, small]), req(user.did, 150), await w.context())
    expectDenied(over, ['capacity-exceeded'])
    expect(over.reasons[0]!.message).toMatch(/^150 kW exceeds the acted-for user's cap of 100$/)
    // A user in a region outside the aggregator's licence (330100, 330106).
    const elsewhere = await w.issue('user', user.did, { ...CLAIMS.user, region: '440300' })
    const out = await checkRole(await present(w, agg, [aggVc, m, elsewhere]), req(user.did, 50), await w.context())
    expectDenied(out, ['region-not-licensed'])
    expect(out.reasons[0]!.message).toMatch(/^the aggregator is not licensed for the user's region "440300"$/)
  })

  it('12j. a trust registry URL that names another kind of resource is unavailable, never trusted', async () => {
    const { w, agg, user, aggVc, userVc, mandateVc } = await aggregatorWorld()
    const ctx = await contextAt(w, w.now, { trustRegistry: w.schemas.user })
    const d = await checkRole(await present(w, agg, [aggVc, mandateVc, userVc]), req(user.did), ctx)
    expect(d.allowed).toBe(false)
    expect(new Set(codes(d))).toEqual(new Set(['trust-registry-unavailable']))
    expect(d.reasons[0]!.message).toMatch(/is a JsonSchema, not a GridTrustRegistry$/)
  })

  it('12c. an expired mandate fails credential-expired', async () => {
    const { w, agg, user, aggVc, userVc } = await aggregatorWorld()
    const m = await mandate(w, user, agg.did, { validUntil: w.now + 10 })
    const t = w.now + 100
    const d = await checkRole(await present(w, agg, [aggVc, m, userVc], { issuedAt: t }), req(user.did), await contextAt(w, t))
    expectDenied(d, ['credential-expired'])
    expect(d.reasons[0]!.message).toMatch(/^credential\[1\]: expired at 2027-01-01T00:00:10Z/)
  })

  it('12d. no mandate at all fails mandate-missing', async () => {
    const { w, agg, user, aggVc, userVc } = await aggregatorWorld()
    const d = await checkRole(await present(w, agg, [aggVc, userVc]), req(user.did), await w.context())
    expectDenied(d, ['mandate-missing'])
    expect(d.reasons[0]!.message).toMatch(new RegExp(`^no mandate from ${user.did} to ${agg.did} in the presentation$`))
  })

  it('12e. a mandate issued by a different user fails mandate-missing', async () => {
    const { w, agg, user, aggVc, userVc } = await aggregatorWorld()
    const other = await w.party('user-other')
    const m = await mandate(w, other, agg.did)
    const d = await checkRole(await present(w, agg, [aggVc, m, userVc]), req(user.did), await w.context())
    expectDenied(d, ['mandate-missing'])
  })

  it('12f. no user credential for the acted-for user fails acted-for-not-user', async () => {
    const { w, agg, user, aggVc, mandateVc } = await aggregatorWorld()
    const d = await checkRole(await present(w, agg, [aggVc, mandateVc]), req(user.did), await w.context())
    expectDenied(d, ['acted-for-not-user'])
    expect(d.reasons[0]!.message).toMatch(new RegExp(`^no user credential for ${user.did} in the presentation$`))
  })

  it('12g. a user may not act on behalf of someone else, even with a mandate', async () => {
    const w = await World.create()
    const u1 = await w.party('user-1')
    const u2 = await w.party('user-2')
    const u1Vc = await w.issue('user', u1.did)
    const u2Vc = await w.issue('user', u2.did)
    const m = await mandate(w, u2, u1.did)
    const d = await checkRole(
      await present(w, u1, [u1Vc, m, u2Vc]),
      { role: 'user', action: 'response.bid', onBehalfOf: u2.did },
      await w.context(),
    )
    expectDenied(d, ['acting-for-not-allowed'])
    expect(d.reasons[0]!.message).toMatch(/^a user acts only for itself$/)
    const bare = await checkRole(
      await present(w, u1, [u1Vc]),
      { role: 'user', action: 'response.bid', onBehalfOf: u2.did },
      await w.context(),
    )
    expectDenied(bare, ['acting-for-not-allowed', 'mandate-missing', 'acted-for-not-user'])
  })

  it('12h. a mandate the user revoked fails status-revoked', async () => {
    const { w, agg, user, aggVc, userVc } = await aggregatorWorld()
    const userStatus = new StatusRegistry({
      did: user.did,
      signer: user.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const m = await issueMandate({
      user: user.jwt,
      aggregator: agg.did,
      actions: ['response.bid'],
      maxKw: 200,
      schema: w.schemas.mandate,
      status: userStatus,
      issuedAt: w.now,
      validUntil: w.now + 90 * DAY,
    })
    const vp = await present(w, agg, [aggVc, m, userVc])
    expect(codes(await checkRole(vp, req(user.did), await w.context()))).toEqual([])
    await userStatus.revoke(m)
    const d = await checkRole(vp, req(user.did), await w.context())
    expectDenied(d, ['status-revoked'])
    expect(d.reasons[0]!.message).toMatch(new RegExp(`^credential\\[1\\]: revoked \\(${user.did}/resources/status-revocation-1 #\\d+\\)$`))
  })
})

describe('checkRole: deactivated DIDs', () => {
  it('13a. a credential from a deactivated issuer fails issuer-deactivated', async () => {
    const w = await World.create()
    const issuer = await w.party('second-issuer')
    await trustAlso(w, issuer.did, ['user'])
    const status = new StatusRegistry({
      did: issuer.did,
      signer: issuer.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const user = await w.party('user-1')
    const vc = await issueUserBy(w, issuer, status, user.did)
    const vp = await present(w, user, [vc])
    const req = { role: 'user', action: 'response.bid' } as const
    expect(codes(await checkRole(vp, req, await w.context()))).toEqual([])
    const op = await deactivateDid(await w.resolver.resolveState(issuer.did), issuer.recovery)
    await w.ledger.submit([op.bytes])
    const d = await checkRole(vp, req, await w.context())
    // Checks stop at the issuer: nothing else a deactivated issuer published is read.
    expectDenied(d, ['issuer-deactivated'])
    expect(d.reasons[0]!.message).toMatch(new RegExp(`^credential\\[0\\]: ${issuer.did} is deactivated$`))
  })

  it('13b. a presentation by a deactivated holder fails holder-deactivated', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vp = await present(w, user, [await w.issue('user', user.did)])
    const op = await deactivateDid(await w.resolver.resolveState(user.did), user.recovery)
    await w.ledger.submit([op.bytes])
    const d = await checkRole(vp, { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['holder-deactivated'])
    expect(d.reasons[0]!.message).toMatch(new RegExp(`^${user.did} is deactivated$`))
  })
})

describe('checkRole: presentation binding', () => {
  it('14a. a presentation addressed to another audience fails audience-mismatch', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vp = await present(w, user, [await w.issue('user', user.did)], { audience: 'did:grid:test:other#contract' })
    const d = await checkRole(vp, { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['audience-mismatch'])
    expect(d.reasons[0]!.message).toMatch(/^presentation is not addressed to did:grid:test:contract#response$/)
  })

  it('14b. a presentation with another nonce fails challenge-mismatch', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vp = await present(w, user, [await w.issue('user', user.did)], { challenge: 'nonce-0002' })
    const d = await checkRole(vp, { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['challenge-mismatch'])
    expect(d.reasons[0]!.message).toMatch(/^presentation nonce does not match the challenge$/)
  })

  it('14c. checkRole throws TypeError without a challenge or an audience', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vp = await present(w, user, [await w.issue('user', user.did)])
    const req = { role: 'user', action: 'response.bid' } as const
    const ctx = await w.context()
    await expect(checkRole(vp, req, { ...ctx, challenge: '' })).rejects.toThrow(TypeError)
    await expect(checkRole(vp, req, { ...ctx, challenge: '' })).rejects.toThrow(/^context\.challenge is required/)
    const { audience: _audience, ...noAudience } = ctx
    await expect(checkRole(vp, req, noAudience as RoleCheckContext)).rejects.toThrow(TypeError)
    await expect(checkRole(vp, req, noAudience as RoleCheckContext)).rejects.toThrow(/^context\.audience is required/)
  })

  it('14d. a presentation past its exp fails presentation-expired', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vp = await present(w, user, [await w.issue('user', user.did)])
    expect(split(vp).payload.exp).toBe(w.now + 300)
    const req = { role: 'user', action: 'response.bid' } as const
    expect(codes(await checkRole(vp, req, await contextAt(w, w.now + 299)))).toEqual([])
    const d = await checkRole(vp, req, await contextAt(w, w.now + 300))
    expectDenied(d, ['presentation-expired'])
    expect(d.reasons[0]!.message).toMatch(/^presentation: expired at 2027-01-01T00:05:00Z/)
  })
})

describe('checkRole: presentations bound to the terms they authorise', () => {
  const terms = { event: 'peak-1', role: 'user', capacityKw: 120, priceFen: 1200 }
  const req = { role: 'user', action: 'response.bid', capacityKw: 120 } as const

  async function bound(binding: string | undefined) {
    const w = await World.create()
    const user = await w.party('user-1')
    const jwt = await w.issue('user', user.did)
    const vp = await createPresentation({
      holder: user.jwt,
      credentials: [jwt],
      audience: AUDIENCE,
      challenge: CHALLENGE,
      issuedAt: w.now,
      ...(binding ? { binding } : {}),
    })
    return { w, user, jwt, vp, ctx: await w.context() }
  }

  it('14e. termsDigest is SHA-256 of the RFC 8785 bytes, 0x-hex, whatever the key order', () => {
    const jcs = '{"capacityKw":120,"event":"peak-1","priceFen":1200,"role":"user"}'
    const expected = `0x${createHash('sha256').update(jcs).digest('hex')}`
    expect(termsDigest(terms)).toBe(expected)
    expect(expected).toBe('0x8a193f8a32dd76e235d555669f870dbbbbff7b0f49accf3d9d9f9a4964ca469f') // the spec's example
    expect(termsDigest({ role: 'user', priceFen: 1200, event: 'peak-1', capacityKw: 120 })).toBe(expected)
    expect(termsDigest({ ...terms, capacityKw: 800, priceFen: 1 })).not.toBe(expected)
    expect(termsDigest({ nested: { b: [1, true, 'é'], a: {} } })).toBe(
      `0x${createHash('sha256').update('{"nested":{"a":{},"b":[1,true,"é"]}}').digest('hex')}`,
    )
    for (const [bad, message] of [
      [null, /^terms must be a JSON object$/],
      [[1], /^terms must be a JSON object$/],
      [
        { priceFen: 12.5 },
        /^terms must hold only strings, booleans, safe integers, arrays and objects: number 12\.5 is not a safe integer$/,
      ],
      [{ onBehalfOf: null }, /^terms must hold only strings, booleans, safe integers, arrays and objects: null is not allowed$/],
      [{ at: new Date(0) }, /only plain objects are allowed$/],
    ] as const) {
      expect(() => termsDigest(bad as never)).toThrow(TypeError)
      expect(() => termsDigest(bad as never)).toThrow(message)
    }
  })

  it('14f. a presentation bound to terms is allowed for exactly those terms; others fail binding-mismatch', async () => {
    const { vp, ctx } = await bound(termsDigest(terms))
    expect(split(vp).payload.binding).toBe(termsDigest(terms))
    const ok = await checkRole(vp, req, { ...ctx, binding: termsDigest(terms) })
    expect(ok.reasons).toEqual([])
    expect(ok.allowed).toBe(true)
    // Someone who saw it pending submits it with other terms: 800 kW at 1 fen.
    const other = termsDigest({ ...terms, capacityKw: 800, priceFen: 1 })
    const d = await checkRole(vp, { ...req, capacityKw: 800 }, { ...ctx, binding: other })
    expect(codes(d)).toContain('binding-mismatch')
    expect(d.allowed).toBe(false)
    expect(d.reasons.find((r) => r.code === 'binding-mismatch')!.message).toBe(
      `the presentation is bound to other terms (${termsDigest(terms)}) than the check's ${other}`,
    )
  })

  it('14g. a check for terms refuses an unbound presentation: binding-missing', async () => {
    const { vp, ctx } = await bound(undefined)
    expect(split(vp).payload).not.toHaveProperty('binding')
    const d = await checkRole(vp, req, { ...ctx, binding: termsDigest(terms) })
    expectDenied(d, ['binding-missing'])
    expect(d.reasons[0]!.message).toBe(`the presentation is bound to no terms; the check is for terms with digest ${termsDigest(terms)}`)
    // …which an unbound check still accepts, as before.
    expect(codes(await checkRole(vp, req, ctx))).toEqual([])
  })

  it('14h. a check that forgets the terms refuses a bound presentation: binding-unchecked', async () => {
    const { vp, ctx } = await bound(termsDigest(terms))
    const d = await checkRole(vp, req, ctx)
    expectDenied(d, ['binding-unchecked'])
    expect(d.reasons[0]!.message).toBe('the presentation is bound to terms, but the check was given none to compare (context.binding)')
  })

  it('14i. a binding that is not 0x + 64 lowercase hex is a usage error on both sides', async () => {
    const { w, user, jwt, vp, ctx } = await bound(undefined)
    for (const bad of ['', 'abc', termsDigest(terms).toUpperCase(), termsDigest(terms).slice(2), `${termsDigest(terms)}0`, 42]) {
      const made = createPresentation({
        holder: user.jwt,
        credentials: [jwt],
        audience: AUDIENCE,
        challenge: CHALLENGE,
        issuedAt: w.now,
        binding: bad as string,
      })
      await expect(made).rejects.toThrow(TypeError)
      await expect(made).rejects.toThrow(/^binding must be 0x and 64 lowercase hex digits \(see termsDigest\)$/)
      const checked = checkRole(vp, req, { ...ctx, binding: bad as string })
      await expect(checked).rejects.toThrow(TypeError)
      await expect(checked).rejects.toThrow(/^context\.binding must be 0x and 64 lowercase hex digits \(see termsDigest\)$/)
    }
  })
})

describe('checkRole: malformed input', () => {
  it("15a. 'not-a-jwt' fails presentation-malformed", async () => {
    const w = await World.create()
    const d = await checkRole('not-a-jwt', { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['presentation-malformed'])
    expect(d.reasons[0]!.message).toMatch(/^presentation: not a compact JWS/)
    expect(d.subject).toBeUndefined()
    expect(d.credentials).toEqual([])
  })

  it('15b. a presentation with alg ES256K fails presentation-malformed naming EdDSA', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vp = await present(w, user, [await w.issue('user', user.did)])
    const { header, p, s } = split(vp)
    expect(header.alg).toBe('EdDSA')
    const forged = `${b64({ ...header, alg: 'ES256K' })}.${p}.${s}`
    const d = await checkRole(forged, { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['presentation-malformed'])
    expect(d.reasons[0]!.message).toMatch(/alg must be EdDSA, got "ES256K"/)
  })

  it('15c. a garbage credential inside the presentation fails credential-malformed', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did)
    // Passes did-jwt-vc's JWT shape check, but is no JWS.
    const d = await checkRole(await present(w, user, ['aaaa.bbbb.cccc', vc]), { role: 'user', action: 'response.bid' }, await w.context())
    expectDenied(d, ['credential-malformed'])
    expect(d.reasons[0]!.message).toMatch(/^credential\[0\]: the header is not a base64url JSON object$/)
    expect(d.credentials).toEqual(['', jtiOf(vc)])
  })

  it("16. a capacity above the production base's maxLoadKw fails capacity-exceeded", async () => {
    const w = await World.create()
    const base = await w.party('base-1')
    const vc = await w.issue('production-base', base.did)
    const d = await checkRole(
      await present(w, base, [vc]),
      { role: 'production-base', action: 'response.bid', capacityKw: 12_001 },
      await w.context(),
    )
    expectDenied(d, ['capacity-exceeded'])
    expect(d.reasons[0]!.message).toMatch(/^12001 kW exceeds the production-base's cap of 12000$/)
    expect(d.claims?.maxLoadKw).toBe(12_000)
  })
})

describe('verifyCredential', () => {
  it('17a. a valid credential verifies with its kind, issuer, subject, claims and window', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did, undefined, 30)
    const v = await verifyCredential(vc, await w.context())
    expect(v.reasons).toEqual([])
    expect(v.verified).toBe(true)
    expect(v.kind).toBe('user')
    expect(v.id).toBe(jtiOf(vc))
    expect(v.issuer).toBe(w.utility.did)
    expect(v.subject).toBe(user.did)
    expect(v.claims).toEqual(CLAIMS.user)
    expect(v.validFrom).toBe(T0)
    expect(v.validUntil).toBe(T0 + 30 * DAY)
  })

  it('17b. a height above the ledger head rejects with HeightNotReachedError', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did)
    const ctx = await w.context()
    const err = await verifyCredential(vc, { ...ctx, height: ctx.height + 1 }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(HeightNotReachedError)
    expect((err as HeightNotReachedError).code).toBe('ERR_GRID_HEIGHT_NOT_REACHED')
    expect((err as HeightNotReachedError).message).toMatch(
      new RegExp(`^ledger height ${ctx.height + 1} is above the finalized height ${ctx.height}$`),
    )
  })
})

describe('verifyCredential: key history', () => {
  it('18. a key rotated out after issuance still verifies; a recovery that drops it fails key-compromised', async () => {
    const w = await World.create()
    const issuer = await w.party('rotating-issuer')
    await trustAlso(w, issuer.did, ['user'])
    const status = new StatusRegistry({
      did: issuer.did,
      signer: issuer.update,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const user = await w.party('user-1')
    const vc = await issueUserBy(w, issuer, status, user.did)

    w.now += 60
    const key2 = key('rotating-issuer-key-2')
    const rotate = await updateDid(await w.resolver.resolveState(issuer.did), issuer.update, {
      patches: [
        { action: 'add-verification-method', method: vm('key-2', key2) },
        { action: 'remove-verification-method', id: 'key-1' },
      ],
    })
    await w.ledger.submit([rotate.bytes])
    const rotated = await verifyCredential(vc, await w.context())
    expect(rotated.reasons).toEqual([])
    expect(rotated.verified).toBe(true)

    w.now += 60
    const recover = await recoverDid(await w.resolver.resolveState(issuer.did), issuer.recovery, {
      newUpdateKey: key('rotating-issuer-update-2'),
      newRecoveryKey: key('rotating-issuer-recovery-2'),
      document: { verificationMethods: [vm('key-3', key('rotating-issuer-key-3'))] },
    })
    await w.ledger.submit([recover.bytes])
    const compromised = await verifyCredential(vc, await w.context())
    expect(compromised.reasons.map((r) => r.code)).toEqual(['key-compromised'])
    expect(compromised.verified).toBe(false)
    expect(compromised.reasons[0]!.message).toMatch(/#key-1 was dropped by a recovery of did:grid:test:/)
  })

  // Rotating key-1 in place (same id, new key material, by an ordinary update) must not invalidate
  // credentials signed before the rotation: the key in force at `iat` is tried, not only the current one.
  it('18b. a credential signed before key-1 was rotated in place (same id, new key) still verifies', async () => {
    const w = await World.create()
    const issuer = await w.party('in-place-issuer')
    await trustAlso(w, issuer.did, ['user'])
    const status = new StatusRegistry({
      did: issuer.did,
      signer: issuer.update,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const user = await w.party('user-1')
    const vc = await issueUserBy(w, issuer, status, user.did)
    expect((await verifyCredential(vc, await w.context())).reasons).toEqual([])

    w.now += 60
    const rotate = await updateDid(await w.resolver.resolveState(issuer.did), issuer.update, {
      patches: [
        { action: 'remove-verification-method', id: 'key-1' },
        { action: 'add-verification-method', method: vm('key-1', key('in-place-issuer-key-1b')) },
      ],
    })
    await w.ledger.submit([rotate.bytes])
    const v = await verifyCredential(vc, await w.context())
    expect(v.reasons.map((r) => r.code)).toEqual([])
    expect(v.verified).toBe(true)
  })
})

describe('verifyCredential: a rotation anchored in the iat second', () => {
  /** An issuer, a credential it signs with key-1 at `w.now`, and key-1 rotated in place in that same second. */
  async function rotatedInTheSameSecond(label: string, rotation: 'update' | 'recover') {
    const w = await World.create()
    const issuer = await w.party(label)
    await trustAlso(w, issuer.did, ['user'])
    const status = new StatusRegistry({
      did: issuer.did,
      signer: issuer.update,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    const user = await w.party('user-1')
    const vc = await issueUserBy(w, issuer, status, user.did)
    const newKey = key(`${label}-key-1b`)
    const state = await w.resolver.resolveState(issuer.did)
    const op =
      rotation === 'update'
        ? await updateDid(state, issuer.update, {
            patches: [
              { action: 'remove-verification-method', id: 'key-1' },
              { action: 'add-verification-method', method: vm('key-1', newKey) },
            ],
          })
        : await recoverDid(state, issuer.recovery, {
            newUpdateKey: key(`${label}-update-2`),
            newRecoveryKey: key(`${label}-recovery-2`),
            document: { verificationMethods: [vm('key-1', newKey)] },
          })
    await w.ledger.submit([op.bytes]) // anchored at w.now: the credential's iat second
    const rotatedAt = w.now
    w.now += 60
    return { w, issuer, status, user, vc, newKey, rotatedAt }
  }

  it('18c. a credential signed by the key in force just before a rotation anchored in its iat second verifies', async () => {
    const { w, issuer, status, user, vc, newKey, rotatedAt } = await rotatedInTheSameSecond('same-second-issuer', 'update')
    const history = await w.resolver.timeline(issuer.did, (await w.ledger.head()).height)
    expect(history.versions.at(-1)!.time).toBe(rotatedAt)
    expect(split(vc).payload.iat).toBe(rotatedAt)
    const v = await verifyCredential(vc, await w.context())
    expect(v.reasons).toEqual([])
    expect(v.verified).toBe(true)
    // The new key is in force in that second too, and of course afterwards.
    const byNewKey = await issueRoleCredential({
      issuer: { did: issuer.did, keyId: 'key-1', signer: newKey },
      role: 'user',
      subject: user.did,
      claims: CLAIMS.user,
      schema: w.schemas.user,
      status,
      issuedAt: rotatedAt,
      validUntil: rotatedAt + 30 * DAY,
    })
    expect((await verifyCredential(byNewKey, await w.context())).reasons).toEqual([])
  })

  it('18d. the old key does not sign with an iat one second after the rotation: credential-signature', async () => {
    const { w, issuer, vc, rotatedAt } = await rotatedInTheSameSecond('next-second-issuer', 'update')
    const later = await craftCredential(issuer, { ...split(vc).payload, iat: rotatedAt + 1, nbf: rotatedAt + 1 })
    const v = await verifyCredential(later, await w.context())
    expect(codes(v)).toEqual(['credential-signature'])
    expect(v.reasons[0]!.message).toMatch(/^credential: the signature does not verify with did:grid:test:[^#]+#key-1$/)
    expect(v.verified).toBe(false)
  })

  it('18e. a recovery anchored in the iat second that drops the key fails key-compromised', async () => {
    const { w, vc } = await rotatedInTheSameSecond('same-second-recovered', 'recover')
    const v = await verifyCredential(vc, await w.context())
    expect(codes(v)).toEqual(['key-compromised'])
    expect(v.reasons[0]!.message).toMatch(/^credential: did:grid:test:[^#]+#key-1 was dropped by a recovery of did:grid:test:/)
    expect(v.verified).toBe(false)
  })
})
