import { Resolver } from 'did-resolver'
import {
  createVerifiableCredentialJwt,
  createVerifiablePresentationJwt,
  verifyCredential as didJwtVcVerifyCredential,
  verifyPresentation as didJwtVcVerifyPresentation,
} from 'did-jwt-vc'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  GridResolver,
  HeightNotReachedError,
  MemoryStatusIndexStore,
  StatusRegistry,
  checkRole,
  createPresentation,
  getResolver,
  issueRoleCredential,
  recoverDid,
  updateDid,
  verifyCredential,
  type RoleName,
} from '../../src/index.js'
import { didJwtSigner } from '../../src/vc/jwt.js'
import { key, vm } from '../helpers.js'
import { CLAIMS, DAY, World } from './world.js'

const ROLES: RoleName[] = ['user', 'aggregator', 'production-base']

describe('interoperability with plain did-jwt-vc', () => {
  it.each(ROLES)('a %s credential verifies with did-jwt-vc verifyCredential + getResolver (proofPurpose assertionMethod)', async (role) => {
    const w = await World.create()
    const holder = await w.party(`holder-${role}`)
    const jwt = await w.issue(role, holder.did)
    const resolver = new Resolver(getResolver(w.resolver))
    const verified = await didJwtVcVerifyCredential(jwt, resolver, { proofPurpose: 'assertionMethod', policies: { now: w.now } })
    expect(verified.verified).toBe(true)
    expect(verified.issuer).toBe(w.utility.did)
    expect(verified.signer.id).toBe(`${w.utility.did}#key-1`)
    expect(verified.verifiableCredential.credentialSubject).toMatchObject({ id: holder.did, ...CLAIMS[role] })
    expect(verified.verifiableCredential.type).toContain(
      `Grid${role === 'production-base' ? 'ProductionBase' : role[0]!.toUpperCase() + role.slice(1)}Credential`,
    )
    // The JOSE header names the algorithm and the assertion key explicitly.
    const header = JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString())
    expect(header).toEqual({ alg: 'EdDSA', kid: `${w.utility.did}#key-1`, typ: 'JWT' })
  })

  it('did-jwt-vc alone accepts what the role check refuses: 300 s past expiry, and a revoked credential', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did, undefined, 1)
    await w.status.revoke(jwt)
    w.now += DAY + 200 // expired 200 s ago
    const resolver = new Resolver(getResolver(w.resolver))
    const plain = await didJwtVcVerifyCredential(jwt, resolver, { policies: { now: w.now } })
    expect(plain.verified).toBe(true)
    const ours = await verifyCredential(jwt, await w.context())
    expect(ours.verified).toBe(false)
    expect(ours.reasons.map((r) => r.code)).toEqual(['credential-expired', 'status-revoked'])
  })

  it('did-jwt-vc alone accepts a presentation by someone other than the subject; checkRole does not', async () => {
    const w = await World.create()
    const alice = await w.party('alice')
    const mallory = await w.party('mallory')
    const jwt = await w.issue('user', alice.did)
    const ctx = await w.context()
    const vp = await createPresentation({
      holder: mallory.jwt,
      credentials: [jwt],
      audience: ctx.audience,
      challenge: ctx.challenge,
      issuedAt: w.now,
    })
    const resolver = new Resolver(getResolver(w.resolver))
    const plain = await didJwtVcVerifyPresentation(vp, resolver, {
      challenge: ctx.challenge,
      domain: ctx.audience,
      policies: { now: w.now },
    })
    expect(plain.verified).toBe(true)
    const decision = await checkRole(vp, { role: 'user', action: 'response.bid' }, ctx)
    expect(decision.allowed).toBe(false)
    expect(decision.reasons.map((r) => r.code)).toEqual(['role-missing', 'holder-not-subject'])
  })
})

describe('determinism: the same inputs give the same decision on every node', () => {
  afterEach(() => vi.useRealTimers())

  it('is independent of the system clock, of cache state and of later ledger activity', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const agg = await w.party('agg')
    const jwt = await w.issue('user', user.did)
    const aggJwt = await w.issue('aggregator', agg.did)
    const ctx = await w.context()
    const vp = await createPresentation({
      holder: user.jwt,
      credentials: [jwt],
      audience: ctx.audience,
      challenge: ctx.challenge,
      issuedAt: w.now,
    })
    const badVp = await createPresentation({
      holder: agg.jwt,
      credentials: [aggJwt, jwt],
      audience: ctx.audience,
      challenge: 'other',
      issuedAt: w.now,
    })
    const run = async (resolver: GridResolver) => [
      await checkRole(vp, { role: 'user', action: 'response.bid', capacityKw: 100 }, { ...ctx, resolver }),
      await checkRole(badVp, { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did }, { ...ctx, resolver }),
    ]
    const first = await run(w.resolver)
    expect(first[0]!.allowed).toBe(true)
    expect(first[1]!.allowed).toBe(false)

    // Later: the credential is revoked, the issuer adds keys — none of it is visible at ctx.height.
    w.now += 3600
    await w.status.revoke(jwt)
    const state = await w.resolver.resolveState(w.utility.did)
    await w.ledger.submit([
      (await updateDid(state, w.utility.update, { patches: [{ action: 'add-verification-method', method: vm('key-2', key('later')) }] }))
        .bytes,
    ])

    vi.useFakeTimers({ toFake: ['Date'] })
    for (const offset of [-10 * 365 * DAY, 0, 10 * 365 * DAY]) {
      vi.setSystemTime((ctx.time + offset) * 1000)
      expect(await run(w.resolver)).toEqual(first)
      // A cold resolver (another validator node) reaches the same decision.
      expect(await run(new GridResolver({ networks: { test: w.ledger }, cache: false }))).toEqual(first)
    }
    // At the current height the revocation is visible.
    const now = await w.context()
    const fresh = await createPresentation({
      holder: user.jwt,
      credentials: [jwt],
      audience: now.audience,
      challenge: now.challenge,
      issuedAt: w.now,
    })
    const later = await checkRole(fresh, { role: 'user', action: 'response.bid' }, now)
    expect(later.reasons.map((r) => r.code)).toEqual(['status-revoked'])
  })

  it('refuses to decide above the finalized height instead of denying', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    const ctx = await w.context()
    const vp = await createPresentation({
      holder: user.jwt,
      credentials: [jwt],
      audience: ctx.audience,
      challenge: ctx.challenge,
      issuedAt: w.now,
    })
    const ahead = checkRole(vp, { role: 'user', action: 'response.bid' }, { ...ctx, height: ctx.height + 1 })
    await expect(ahead).rejects.toBeInstanceOf(HeightNotReachedError)
    await expect(ahead).rejects.toMatchObject({ code: 'ERR_GRID_HEIGHT_NOT_REACHED', message: /above the finalized height/ })
  })
})

describe('history: credentials survive key rotation, not recovery', () => {
  async function rotatedIssuer() {
    const w = await World.create()
    const issuer = await w.party('issuer-2')
    const status = new StatusRegistry({
      did: issuer.did,
      signer: issuer.update,
      ledger: w.ledger,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    await w.trust({ user: [w.utility.did, issuer.did], aggregator: [w.utility.did], 'production-base': [w.utility.did] })
    const user = await w.party('user')
    w.now += 60
    const jwt = await issueRoleCredential({
      issuer: issuer.jwt,
      role: 'user',
      subject: user.did,
      claims: CLAIMS.user,
      schema: w.schemas.user,
      status,
      issuedAt: w.now,
      validUntil: w.now + 365 * DAY,
    })
    w.now += 3600
    return { w, issuer, user, jwt, status }
  }

  it('a credential signed with a key rotated out later still verifies', async () => {
    const { w, issuer, user, jwt } = await rotatedIssuer()
    const state = await w.resolver.resolveState(issuer.did)
    const rotate = await updateDid(state, issuer.update, {
      patches: [
        { action: 'remove-verification-method', id: 'key-1' },
        { action: 'add-verification-method', method: vm('key-2', key('issuer-2-new')) },
      ],
    })
    await w.ledger.submit([rotate.bytes])
    w.now += 3600
    const ctx = await w.context()
    const vp = await createPresentation({
      holder: user.jwt,
      credentials: [jwt],
      audience: ctx.audience,
      challenge: ctx.challenge,
      issuedAt: w.now,
    })
    const decision = await checkRole(vp, { role: 'user', action: 'response.bid' }, ctx)
    expect(decision.reasons).toEqual([])
    expect(decision.allowed).toBe(true)
    // A credential that claims an iat before the key existed does not get the benefit.
    const forged = await createVerifiableCredentialJwt(
      { ...JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()), iat: w.now - 1, nbf: w.now - 1 },
      { did: issuer.did, signer: didJwtSigner(key('issuer-2-new')), alg: 'EdDSA' },
      { header: { alg: 'EdDSA', kid: `${issuer.did}#key-1` } },
    )
    const v = await verifyCredential(forged, ctx)
    expect(v.reasons.map((r) => r.code)).toEqual(['kid-not-found'])
  })

  it('a recovery that drops the key marks its credentials as signed by a compromised key', async () => {
    const { w, issuer, jwt } = await rotatedIssuer()
    const state = await w.resolver.resolveState(issuer.did)
    const recover = await recoverDid(state, issuer.recovery, {
      newUpdateKey: key('issuer-2-update-2'),
      newRecoveryKey: key('issuer-2-recovery-2'),
      document: { verificationMethods: [vm('key-2', key('issuer-2-new'))] },
    })
    await w.ledger.submit([recover.bytes])
    w.now += 60
    const v = await verifyCredential(jwt, await w.context())
    expect(v.verified).toBe(false)
    expect(v.reasons.map((r) => r.code)).toContain('key-compromised')
    expect(v.reasons.find((r) => r.code === 'key-compromised')!.message).toMatch(/dropped by a recovery/)
  })
})

describe('presentations carry their own validity window', () => {
  it('a presentation without iat or exp is malformed: only the challenge would stop a replay', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    const ctx = await w.context()
    const timeless = await createVerifiablePresentationJwt(
      {
        iss: user.did,
        aud: ctx.audience,
        nonce: ctx.challenge,
        vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: [jwt] },
      } as never,
      { did: user.did, signer: didJwtSigner(user.signing), alg: 'EdDSA' },
      { header: { alg: 'EdDSA', kid: `${user.did}#key-1` } },
    )
    const decision = await checkRole(timeless, { role: 'user', action: 'response.bid' }, ctx)
    expect(decision.allowed).toBe(false)
    expect(decision.reasons.map((r) => r.code)).toEqual(['presentation-malformed'])
    expect(decision.reasons[0]!.message).toMatch(
      /^presentation: iat must be an integer number of seconds up to 9999-12-31 and is required$/,
    )
  })
})
