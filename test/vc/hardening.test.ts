import { describe, expect, it } from 'vitest'
import {
  CLAIM_SCHEMAS,
  GridResolver,
  MemoryLedger,
  ResourceNotFoundError,
  StatusRegistry,
  anchorResource,
  checkRole,
  createDid,
  createPresentation,
  issueMandate,
  issueRoleCredential,
  verifyCredential,
  type ResolvedResource,
  type ResourceSelection,
} from '../../src/index.js'
import { toBase64url, utf8Encode } from '../../src/lib/bytes.js'
import { key, vm } from '../helpers.js'
import { CLAIMS, DAY, World, type Party } from './world.js'

/** Signs an arbitrary payload as an EdDSA JWT with `party`'s key-1 (no validation at all). */
function signJwt(party: Party, payload: Record<string, unknown>): string {
  const h = toBase64url(utf8Encode(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: `${party.did}#key-1` })))
  const p = toBase64url(utf8Encode(JSON.stringify(payload)))
  return `${h}.${p}.${toBase64url(party.signing.signSync(utf8Encode(`${h}.${p}`)))}`
}

function payloadOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'))
}

const codes = (reasons: { code: string }[]) => reasons.map((r) => r.code)

describe('attacker-controlled input is a verdict, never a throw', () => {
  it('times outside 0…9999-12-31 are malformed (they used to throw while formatting the message)', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const base = payloadOf(await w.issue('user', user.did))
    for (const patch of [{ iat: 9e15 }, { exp: -9e15 }, { nbf: 253_402_300_800 }]) {
      const v = await verifyCredential(signJwt(w.utility, { ...base, ...patch }), await w.context())
      expect(codes(v.reasons)).toEqual(['credential-malformed'])
      expect(v.reasons[0]!.message).toMatch(/must be an integer number of seconds up to 9999-12-31$/)
    }
  })

  it('more than one entry per purpose is status-invalid, and nothing is read for it', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const base = payloadOf(await w.issue('user', user.did))
    const vc = base.vc as { credentialStatus: Record<string, string>[] }
    const [rev, susp] = vc.credentialStatus
    const three = signJwt(w.utility, { ...base, vc: { ...vc, credentialStatus: [rev, susp, rev] } })
    const v3 = await verifyCredential(three, await w.context())
    expect(codes(v3.reasons)).toEqual(['status-invalid'])
    expect(v3.reasons[0]!.message).toMatch(/at most one revocation and one suspension entry, got 3$/)
    const twice = signJwt(w.utility, { ...base, vc: { ...vc, credentialStatus: [rev, rev] } })
    expect(codes((await verifyCredential(twice, await w.context())).reasons)).toEqual(['status-invalid', 'status-missing'])
  })

  it('an untrusted or badly signed credential gets no schema or status work done for it', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const rogue = await w.party('rogue')
    const base = payloadOf(await w.issue('user', user.did))
    // Claims that would fail the schema and status entries pointing nowhere: only the trust verdict shows.
    const forged = signJwt(rogue, {
      ...base,
      iss: rogue.did,
      vc: { ...(base.vc as object), credentialSubject: { accountNumber: 7 }, credentialStatus: [{ type: 'x' }] },
    })
    expect(codes((await verifyCredential(forged, await w.context())).reasons)).toEqual(['issuer-untrusted'])
  })
})

describe('one reading of a token for every implementation', () => {
  it('a payload or header with a member name twice is malformed (JSON.parse would keep the last)', async () => {
    const w = await World.create()
    const alice = await w.party('alice')
    const mallory = await w.party('mallory')
    const jwt = await w.issue('user', alice.did)
    const [h, p] = jwt.split('.') as [string, string]
    const text = Buffer.from(p, 'base64url').toString('utf8')
    // Same sub twice, once escaped: "\u0073ub" is "sub".
    const dup = text.replace(/^\{/, `{"sub":"${mallory.did}",`).replace('"sub":', '"\\u0073ub":')
    const p2 = Buffer.from(dup).toString('base64url')
    const resigned = `${h}.${p2}.${toBase64url(w.utility.signing.signSync(utf8Encode(`${h}.${p2}`)))}`
    const v = await verifyCredential(resigned, await w.context())
    expect(codes(v.reasons)).toEqual(['credential-malformed'])
    expect(v.reasons[0]!.message).toMatch(/the payload is not a base64url JSON object/)
    // Nested objects and arrays with repeated names at different levels are fine.
    const nested = signJwt(w.utility, { ...payloadOf(jwt), extra: [{ a: 1 }, { a: 2 }], more: { a: { a: 1 } } })
    expect(codes((await verifyCredential(nested, await w.context())).reasons)).toEqual([])
  })
})

describe('time claims are integer literals in the token text', () => {
  /** `jwt` with its payload text edited by `edit`, re-signed by `party`. */
  function editPayload(jwt: string, party: Party, edit: (text: string) => string): string {
    const [h, p] = jwt.split('.') as [string, string]
    const p2 = toBase64url(utf8Encode(edit(Buffer.from(p, 'base64url').toString('utf8'))))
    return `${h}.${p2}.${toBase64url(party.signing.signSync(utf8Encode(`${h}.${p2}`)))}`
  }
  /** Variants of `"name":value` that JSON.parse reads as the same integer and strict integer parsers refuse. */
  const forms = (name: string, value: number): [string, (t: string) => string][] =>
    [`${value}.0`, `${value / 1e9}e9`, `${value}.00000000000000000001`, `${value}.0000001`, `${value}E0`].map((literal) => [
      literal,
      (t: string) => {
        const out = t.replace(`"${name}":${value}`, `"${name}":${literal}`)
        expect(out).not.toBe(t)
        expect(JSON.parse(out)[name]).toBe(value)
        return out
      },
    ])

  it('a credential with iat, nbf or exp written as 1798762260.0, 1.79876226e9 or the like is credential-malformed, naming the claim', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const base = payloadOf(await w.issue('user', user.did))
    const jwt = signJwt(w.utility, { ...base, nbf: base.iat })
    expect(codes((await verifyCredential(jwt, await w.context())).reasons)).toEqual([])
    for (const name of ['iat', 'nbf', 'exp']) {
      for (const [literal, edit] of forms(name, payloadOf(jwt)[name] as number)) {
        const v = await verifyCredential(editPayload(jwt, w.utility, edit), await w.context())
        expect(codes(v.reasons)).toEqual(['credential-malformed'])
        expect(v.reasons[0]!.message).toBe(
          `credential: the payload has ${name} written as ${literal.slice(0, 40)}, not as an integer literal`,
        )
        expect(v.verified).toBe(false)
      }
    }
  })

  it('a presentation with iat or exp not written as an integer literal is presentation-malformed; nested members of those names are not time claims', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    const ctx = await w.context()
    const req = { role: 'user', action: 'response.bid' } as const
    const vp = await createPresentation({
      holder: user.jwt,
      credentials: [jwt],
      audience: ctx.audience,
      challenge: ctx.challenge,
      issuedAt: w.now,
    })
    expect((await checkRole(vp, req, ctx)).reasons).toEqual([])
    for (const name of ['iat', 'exp']) {
      for (const [literal, edit] of forms(name, payloadOf(vp)[name] as number)) {
        const d = await checkRole(editPayload(vp, user, edit), req, ctx)
        expect(codes(d.reasons)).toEqual(['presentation-malformed'])
        expect(d.reasons[0]!.message).toBe(`presentation: the payload has ${name} written as ${literal}, not as an integer literal`)
        expect(d.allowed).toBe(false)
      }
    }
    // Members named exp or iat inside vp are not the token's time claims: fractions there are left alone.
    const nested = editPayload(vp, user, (t) => t.replace('"vp":{', '"vp":{"exp":1.5,"iat":[2.0],'))
    expect((await checkRole(nested, req, ctx)).reasons).toEqual([])
  })
})

describe('issuance checks everything before it allocates a status index', () => {
  it('a past validity window or a bad key id throws and burns no index; a good credential then takes one', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const count = () => w.statusStore.count(1) // lists are numbered from 1
    const before = await count()
    const base = {
      issuer: w.utility.jwt,
      role: 'user',
      subject: user.did,
      claims: CLAIMS.user,
      schema: w.schemas.user,
      status: w.status,
    } as const
    await expect(issueRoleCredential({ ...base, issuedAt: w.now, validUntil: w.now - DAY })).rejects.toThrow(
      new RangeError('validUntil must be after validFrom'),
    )
    await expect(issueRoleCredential({ ...base, issuer: { ...w.utility.jwt, keyId: 'key 1' }, validUntil: w.now + DAY })).rejects.toThrow(
      new TypeError('signer.keyId must be a verification method fragment such as "key-1"'),
    )
    await expect(issueRoleCredential({ ...base, validUntil: 'soon' as never })).rejects.toThrow(
      new RangeError('validUntil must be a Date or Unix seconds'),
    )
    await expect(
      issueMandate({
        user: user.jwt,
        aggregator: w.utility.did,
        actions: ['response.bid'],
        maxKw: 10,
        schema: w.schemas.mandate,
        status: w.status,
        issuedAt: w.now,
        validUntil: w.now,
      }),
    ).rejects.toThrow(new RangeError('validUntil must be after validFrom'))
    expect(await count()).toBe(before)
    await w.issue('user', user.did)
    expect(await count()).toBe(before + 1)
  })
})

describe('a byte-order mark is refused wherever a token is parsed', () => {
  const BOM = Buffer.from([0xef, 0xbb, 0xbf])
  /** `jwt` with a BOM before the JSON of its header or payload, re-signed by `party` so only the BOM differs. */
  function withBom(jwt: string, part: 'header' | 'payload', party: Party): string {
    const [h, p] = jwt.split('.') as [string, string]
    const bom = (x: string) => Buffer.concat([BOM, Buffer.from(x, 'base64url')]).toString('base64url')
    const [h2, p2] = part === 'header' ? [bom(h), p] : [h, bom(p)]
    return `${h2}.${p2}.${toBase64url(party.signing.signSync(utf8Encode(`${h2}.${p2}`)))}`
  }

  it('a credential whose header or payload JSON starts with a UTF-8 BOM is credential-malformed', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    for (const part of ['header', 'payload'] as const) {
      const v = await verifyCredential(withBom(jwt, part, w.utility), await w.context())
      expect(codes(v.reasons)).toEqual(['credential-malformed'])
      expect(v.reasons[0]!.message).toBe(`credential: the ${part} starts with a UTF-8 byte-order mark`)
      expect(v.verified).toBe(false)
    }
  })

  it('a presentation whose payload JSON starts with a UTF-8 BOM is presentation-malformed', async () => {
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
    expect((await checkRole(vp, { role: 'user', action: 'response.bid' }, ctx)).reasons).toEqual([])
    const d = await checkRole(withBom(vp, 'payload', user), { role: 'user', action: 'response.bid' }, ctx)
    expect(codes(d.reasons)).toEqual(['presentation-malformed'])
    expect(d.reasons[0]!.message).toBe('presentation: the payload starts with a UTF-8 byte-order mark')
    expect(d.allowed).toBe(false)
  })

  it('a BOM or whitespace around the compact token itself is malformed', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    for (const bad of [`\uFEFF${jwt}`, ` ${jwt}`, `${jwt}\n`, `${jwt}\uFEFF`]) {
      const v = await verifyCredential(bad, await w.context())
      expect(codes(v.reasons)).toEqual(['credential-malformed'])
      expect(v.reasons[0]!.message).toBe('credential: not a compact JWS (three base64url parts)')
    }
  })
})

describe('schemas are self-contained and compiled per version', () => {
  async function withSchema(extra: Record<string, unknown>) {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    await anchorResource({ did: w.utility.did, signer: w.utility.signing }, w, 'schema-user-v2', 'JsonSchema', {
      ...CLAIM_SCHEMAS.user,
      ...extra,
    } as never)
    return { w, jwt }
  }

  it.each([
    [{ $id: 'urn:x' }, /\$id is not allowed/],
    [{ $async: true }, /\$async is not allowed/],
    [
      { properties: { ...(CLAIM_SCHEMAS.user.properties as object), region: { $ref: 'https://example.com/region.json' } } },
      /\$ref must point inside the document/,
    ],
  ])('a published schema with %o is schema-unavailable, the same on every call and every node', async (extra, message) => {
    const { w, jwt } = await withSchema(extra)
    const cold = new GridResolver({ networks: { test: w.ledger }, cache: false })
    for (const resolver of [w.resolver, w.resolver, cold, cold]) {
      const v = await verifyCredential(jwt, { ...(await w.context()), resolver })
      expect(codes(v.reasons)).toEqual(['schema-unavailable'])
      expect(v.reasons[0]!.message).toMatch(message)
    }
  })
})

describe('a check reads one ledger: its height means nothing on another network', () => {
  it('an issuer on another configured network is issuer-not-found, not read at a foreign height', async () => {
    const w = await World.create()
    const otherLedger = new MemoryLedger({ clock: () => w.now })
    const resolver = new GridResolver({ networks: { test: w.ledger, other: otherLedger } })
    const signing = key('far-signing')
    const op = await createDid({
      network: 'other',
      updateKey: key('far-update'),
      recoveryKey: key('far-recovery'),
      document: { verificationMethods: [vm('key-1', signing)] },
    })
    await otherLedger.submit([op.bytes])
    await w.trust({ user: [w.utility.did, op.did], aggregator: [w.utility.did], 'production-base': [w.utility.did] })
    const user = await w.party('user')
    const jwt = await issueRoleCredential({
      issuer: { did: op.did, keyId: 'key-1', signer: signing },
      role: 'user',
      subject: user.did,
      claims: CLAIMS.user,
      schema: w.schemas.user,
      status: [],
      issuedAt: w.now,
      validUntil: w.now + DAY,
    })
    const v = await verifyCredential(jwt, { ...(await w.context()), resolver })
    expect(codes(v.reasons)).toEqual(['issuer-not-found'])
    expect(v.reasons[0]!.message).toMatch(/is on network other; a check at a height of test reads only test$/)
    // And a presentation by a holder on the other network likewise.
    const userJwt = await w.issue('user', user.did)
    const ctx = { ...(await w.context()), resolver }
    const vp = await createPresentation({
      holder: { did: op.did, keyId: 'key-1', signer: signing },
      credentials: [userJwt],
      audience: ctx.audience,
      challenge: ctx.challenge,
      issuedAt: w.now,
    })
    const d = await checkRole(vp, { role: 'user', action: 'response.bid' }, ctx)
    expect(codes(d.reasons)).toEqual(['holder-not-found', 'role-missing', 'holder-not-subject'])
  })
})

describe('issuer services sharing a DID never undo each other', () => {
  /** A resolver that has not yet seen the status lists (a lagging replica) on its first reads. */
  class LaggingResolver extends GridResolver {
    lagging = new Set<string>()
    override async resolveResource(url: string, options?: ResourceSelection): Promise<ResolvedResource> {
      if (this.lagging.delete(url)) throw new ResourceNotFoundError(url)
      return super.resolveResource(url, options)
    }
  }

  it('opening a list that another service opened (and revoked in) meanwhile leaves it as it is', async () => {
    const w = await World.create()
    const user = await w.party('user')
    const jwt = await w.issue('user', user.did)
    await w.status.revoke(jwt)
    const [revocation] = (payloadOf(jwt).vc as { credentialStatus: { statusListCredential: string }[] }).credentialStatus
    const lagging = new LaggingResolver({ networks: { test: w.ledger } })
    lagging.lagging.add(revocation!.statusListCredential)
    const second = new StatusRegistry({
      did: w.utility.did,
      signer: w.utility.signing,
      ledger: w.ledger,
      resolver: lagging,
      store: w.statusStore,
    })
    await second.allocate()
    const v = await verifyCredential(jwt, await w.context())
    expect(codes(v.reasons)).toEqual(['status-revoked'])
  })
})
