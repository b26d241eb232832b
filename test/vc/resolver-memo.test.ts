/**
 * What the role check keeps between checks (parsed credential tokens and reads pinned to a height,
 * per resolver; views that answer reads pinned to a height they cover) never carries a decision
 * across a state change:
 * checks at given heights stay exact in whatever order they run on one resolver.
 */
import { describe, expect, it } from 'vitest'
import {
  GridResolver,
  LedgerUnavailableError,
  MemoryLedger,
  checkRole,
  createPresentation,
  deactivateDid,
  updateDid,
  verifyCredential,
  type Ledger,
  type RoleCheckContext,
  type RoleDecision,
} from '../../src/index.js'
import { decodeCredentialJws, pinnedRead } from '../../src/vc/resolver-memo.js'
import { Ed25519KeyPair } from '../../src/index.js'
import { key, vm } from '../helpers.js'
import { World, type Party } from './world.js'

const REQ = { role: 'user', action: 'response.bid' } as const
const codes = (d: RoleDecision) => d.reasons.map((r) => r.code)

/** A memory ledger that counts its head reads (the real ledger underneath, nothing stubbed). */
class CountingLedger extends MemoryLedger {
  heads = 0
  override async head() {
    this.heads++
    return super.head()
  }
}

function present(w: World, holder: Party, vc: string): Promise<string> {
  return createPresentation({
    holder: holder.jwt,
    credentials: [vc],
    audience: 'did:grid:test:contract#response',
    challenge: 'nonce-0001',
    issuedAt: w.now,
  })
}

describe('role checks on one resolver: exact at every height, in any order', () => {
  it('suspension, reinstatement and revocation: each height keeps its answer, checked out of order and again', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const vc = await w.issue('user', user.did)
    const vp = await present(w, user, vc)
    const at: Record<string, RoleCheckContext> = { issued: await w.context() }
    await w.status.suspend(vc)
    at.suspended = await w.context()
    await w.status.reinstate(vc)
    at.reinstated = await w.context()
    await w.status.revoke(vc)
    at.revoked = await w.context()
    expect(new Set(Object.values(at).map((c) => c.height)).size).toBe(4)
    const expected: Record<string, string[]> = { issued: [], suspended: ['status-suspended'], reinstated: [], revoked: ['status-revoked'] }
    for (const when of ['revoked', 'issued', 'suspended', 'reinstated', 'issued', 'revoked', 'suspended']) {
      const d = await checkRole(vp, REQ, at[when]!)
      expect([when, codes(d)]).toEqual([when, expected[when]])
      expect(d.allowed).toBe(expected[when]!.length === 0)
    }
  })

  it("the holder's key rotation and the issuer's deactivation show at exactly their heights, before and after", async () => {
    const w = await World.create()
    const user = await w.party('user-2')
    const vc = await w.issue('user', user.did)
    const vp = await present(w, user, vc)
    const before = await w.context()
    w.now += 60
    // The holder replaces key-1 (the presentation's key) with key-2.
    const rotate = await updateDid(await w.resolver.resolveState(user.did), user.update, {
      patches: [
        { action: 'add-verification-method', method: vm('key-2', key('user-2-key-2')) },
        { action: 'remove-verification-method', id: 'key-1' },
      ],
    })
    await w.ledger.submit([rotate.bytes])
    const rotated = await w.context()
    w.now += 60
    await w.ledger.submit([(await deactivateDid(await w.resolver.resolveState(w.utility.did), w.utility.recovery)).bytes])
    const deactivated = await w.context()
    for (let round = 0; round < 2; round++) {
      expect(codes(await checkRole(vp, REQ, deactivated))).toContain('issuer-deactivated')
      expect(codes(await checkRole(vp, REQ, rotated))).toEqual(['kid-not-found'])
      expect(codes(await checkRole(vp, REQ, before))).toEqual([])
    }
  })
})

describe('what a check reuses', () => {
  it('a check at a height the resolver has already read completely reads no ledger head', async () => {
    let counting: CountingLedger | undefined
    const w = await World.create((clock) => {
      counting = new CountingLedger({ clock })
      return counting as Ledger
    })
    const user = await w.party('user-3')
    const vc = await w.issue('user', user.did)
    const vp = await present(w, user, vc)
    const context = await w.context()
    expect((await checkRole(vp, REQ, context)).allowed).toBe(true)
    counting!.heads = 0
    expect((await checkRole(vp, REQ, context)).allowed).toBe(true)
    expect(counting!.heads).toBe(0)
    // A height above what the resolver has read: the head is read again, and the new batch seen.
    await w.status.revoke(vc)
    const later = await w.context()
    counting!.heads = 0
    expect(codes(await checkRole(vp, REQ, later))).toEqual(['status-revoked'])
    expect(counting!.heads).toBeGreaterThan(0)
  })

  it('a credential token is parsed once per resolver, shared frozen; malformed tokens are not kept', async () => {
    const w = await World.create()
    const user = await w.party('user-4')
    const vc = await w.issue('user', user.did)
    const first = decodeCredentialJws(w.resolver, vc, 16_384)
    const again = decodeCredentialJws(w.resolver, `${vc}`, 16_384)
    expect(typeof first).toBe('object')
    expect(again).toBe(first)
    if (typeof first === 'string') throw new Error(first)
    expect(Object.isFrozen(first.payload)).toBe(true)
    expect(Object.isFrozen((first.payload.vc as Record<string, unknown>).credentialSubject)).toBe(true)
    // Another resolver has its own cache.
    const other = new World()
    expect(decodeCredentialJws(other.resolver, vc, 16_384)).not.toBe(first)
    expect(decodeCredentialJws(w.resolver, 'a.b', 16_384)).toBe('not a compact JWS (three base64url parts)')
    // The claims a decision hands out are the shared, frozen ones: nobody can change what the next check reads.
    const d = await checkRole(await present(w, user, vc), REQ, await w.context())
    expect(d.allowed).toBe(true)
    expect(Object.isFrozen(d.claims)).toBe(true)
    expect(() => {
      ;(d.claims as Record<string, unknown>).region = 'elsewhere'
    }).toThrow(TypeError)
  })

  it('reads pinned to a height are kept per resolver: the checks of one height read each DID and resource once', async () => {
    const w = await World.create()
    const user = await w.party('user-5')
    const vc = await w.issue('user', user.did)
    const vp = await present(w, user, vc)
    let timelines = 0
    let resources = 0
    class Counting extends GridResolver {
      override timeline(did: string, height: number) {
        timelines++
        return super.timeline(did, height)
      }
      override resolveResource(url: string, options = {}) {
        resources++
        return super.resolveResource(url, options)
      }
    }
    const resolver = new Counting({ networks: { test: w.ledger } })
    const context = { ...(await w.context()), resolver }
    expect((await checkRole(vp, REQ, context)).allowed).toBe(true)
    expect([timelines, resources]).toEqual([2, 4]) // holder and issuer; registry, schema, two status lists
    expect((await checkRole(vp, REQ, context)).allowed).toBe(true)
    expect([timelines, resources]).toEqual([2, 4])
    // Another height reads again, and sees what changed there.
    await w.status.revoke(vc)
    expect(codes(await checkRole(vp, REQ, { ...(await w.context()), resolver }))).toEqual(['status-revoked'])
    expect([timelines, resources]).toEqual([4, 8])
  })

  it('a pinned read that fails (an outage) is not kept: the next one reads again', async () => {
    const w = await World.create()
    let calls = 0
    const read = () => {
      calls++
      return calls === 1 ? Promise.reject(new LedgerUnavailableError('down (injected)')) : Promise.resolve('a verdict')
    }
    await expect(pinnedRead(w.resolver, 'k', read)).rejects.toMatchObject({ code: 'ERR_GRID_LEDGER_UNAVAILABLE' })
    await expect(pinnedRead(w.resolver, 'k', read)).resolves.toBe('a verdict')
    await expect(pinnedRead(w.resolver, 'k', read)).resolves.toBe('a verdict')
    expect(calls).toBe(2)
  })
})

describe('what one check keeps cannot change another', () => {
  /** A credential like `vc` whose `iss` names the user schema resource (signed by nobody that counts). */
  async function junkIssuer(w: World, vc: string): Promise<string> {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url')
    const legit = JSON.parse(Buffer.from(vc.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    const iss = `JsonSchema ${w.schemas.user}`
    const input = `${b64({ alg: 'EdDSA', typ: 'vc+jwt', kid: `${iss}#key-1` })}.${b64({ ...legit, iss, jti: 'urn:uuid:junk' })}`
    const signature = await Ed25519KeyPair.generate().sign(new TextEncoder().encode(input))
    return `${input}.${Buffer.from(signature).toString('base64url')}`
  }

  it("a token whose issuer is named like a resource neither poisons nor breaks on the others' reads at that height", async () => {
    const w = await World.create()
    const user = await w.party('user-poison')
    const vc = await w.issue('user', user.did)
    const vp = await present(w, user, vc)
    const junk = await junkIssuer(w, vc)
    const ctx = await w.context()
    // Junk first, then the genuine check on the same resolver and height: still allowed.
    expect((await verifyCredential(junk, ctx)).verified).toBe(false)
    expect(codes(await checkRole(vp, REQ, ctx))).toEqual([])
    // The other order (a fresh resolver): the junk is refused, it does not throw on a schema read as a DID.
    const other = { ...ctx, resolver: new GridResolver({ networks: { test: w.ledger } }) }
    expect(codes(await checkRole(vp, REQ, other))).toEqual([])
    const refused = await verifyCredential(junk, other)
    expect(refused.verified).toBe(false)
    expect(refused.reasons.length).toBeGreaterThan(0)
  })
})
