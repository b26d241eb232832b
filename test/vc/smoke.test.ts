import { describe, expect, it } from 'vitest'
import { checkRole, createPresentation, verifyCredential } from '../../src/index.js'
import { World } from './world.js'

describe('smoke', () => {
  it('user acts for itself', async () => {
    const w = await World.create()
    const user = await w.party('user-1')
    const jwt = await w.issue('user', user.did)
    const ctx = await w.context()
    const v = await verifyCredential(jwt, ctx)
    expect(v.reasons).toEqual([])
    const vp = await createPresentation({ holder: user.jwt, credentials: [jwt], audience: ctx.audience, challenge: ctx.challenge, issuedAt: w.now })
    const d = await checkRole(vp, { role: 'user', action: 'response.bid', capacityKw: 100 }, ctx)
    expect(d.reasons).toEqual([])
    expect(d.allowed).toBe(true)
    await w.status.revoke(jwt)
    const d2 = await checkRole(vp, { role: 'user', action: 'response.bid' }, await w.context())
    expect(d2.reasons.map((r) => r.code)).toEqual(['status-revoked'])
  })
})
