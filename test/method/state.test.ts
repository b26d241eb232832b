import { describe, expect, it } from 'vitest'
import {
  InvalidDidError,
  LIMITS,
  deactivateDid,
  foldOperations,
  recoverDid,
  rotateUpdateKey,
  toDidDocument,
  updateDid,
  type DidState,
  type EncodedOperation,
} from '../../src/index.js'
import { encodeMultikey } from '../../src/method/keys.js'
import { anchored, forge, key, newDid, vm } from '../helpers.js'

/** Folds the ops, then returns state and the skip reasons in order. */
function fold(did: string, ops: (Uint8Array | EncodedOperation)[]) {
  const h = foldOperations(did, anchored(ops))
  return { ...h, reasons: h.skipped.map((s) => s.reason) }
}

describe('fold: every operation type', () => {
  it('create renders the initial document and metadata', async () => {
    const { create, signing } = await newDid()
    const { state, versions } = fold(create.did, [create])
    expect(state!.versionId).toBe(1)
    expect(state!.head).toBe(create.cid)
    expect(state!.updated).toBeUndefined()
    expect(versions.map((v) => v.type)).toEqual(['create'])
    const doc = toDidDocument(state!)
    expect(doc.verificationMethod).toEqual([
      { id: `${create.did}#key-1`, type: 'Multikey', controller: create.did, publicKeyMultibase: signing.publicKeyMultibase },
    ])
    expect(doc.authentication).toEqual([`${create.did}#key-1`])
    expect(doc.keyAgreement).toBeUndefined()
  })

  it('update applies every patch action, in order', async () => {
    const { create, update } = await newDid()
    const s1 = fold(create.did, [create]).state!
    const x25519 = encodeMultikey(new Uint8Array(32).fill(3), 'X25519')
    const up = await updateDid(s1, update, {
      patches: [
        { action: 'add-verification-method', method: vm('key-2', key('k2'), ['capabilityInvocation']) },
        {
          action: 'add-verification-method',
          method: { id: 'agree', type: 'Multikey', publicKeyMultibase: x25519, purposes: ['keyAgreement'] },
        },
        { action: 'set-relationships', id: 'key-1', purposes: ['assertionMethod', 'capabilityDelegation'] },
        {
          action: 'add-service',
          service: { id: 'dr', type: ['DemandResponse', 'LinkedDomains'], serviceEndpoint: { origins: ['https://dr.example'] } },
        },
        { action: 'add-service', service: { id: 'gone', type: 'X', serviceEndpoint: ['https://a.example', 'https://b.example'] } },
        { action: 'remove-service', id: 'gone' },
        { action: 'set-controller', controller: [create.did] },
        { action: 'set-also-known-as', alsoKnownAs: ['https://sgcc.example'] },
      ],
    })
    const { state, skipped } = fold(create.did, [create, up])
    expect(skipped).toEqual([])
    const doc = toDidDocument(state!)
    expect(doc.verificationMethod!.map((v) => v.id.split('#')[1])).toEqual(['key-1', 'key-2', 'agree'])
    expect(doc.authentication).toBeUndefined()
    expect(doc.assertionMethod).toEqual([`${create.did}#key-1`])
    expect(doc.capabilityDelegation).toEqual([`${create.did}#key-1`])
    expect(doc.capabilityInvocation).toEqual([`${create.did}#key-2`])
    expect(doc.keyAgreement).toEqual([`${create.did}#agree`])
    expect(doc.service).toEqual([
      { id: `${create.did}#dr`, type: ['DemandResponse', 'LinkedDomains'], serviceEndpoint: { origins: ['https://dr.example'] } },
    ])
    expect(doc.controller).toBe(create.did)
    expect(doc.alsoKnownAs).toEqual(['https://sgcc.example'])
    expect(state!.updated).toBe(state!.created + 3600)
    // remove-verification-method
    const rm = await updateDid(state!, update, { patches: [{ action: 'remove-verification-method', id: 'key-2' }] })
    const after = fold(create.did, [create, up, rm]).state!
    expect(after.verificationMethods.map((v) => v.id)).toEqual(['key-1', 'agree'])
  })

  it('rotation moves update authority to the new key', async () => {
    const { create, update } = await newDid()
    const next = key('next')
    const rot = await rotateUpdateKey(fold(create.did, [create]).state!, update, next)
    const s2 = fold(create.did, [create, rot]).state!
    expect(s2.updateKey).toBe(next.publicKeyMultibase)
    const byOld = await updateDid(s2, update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [] }] })
    const byNew = await updateDid(s2, next, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://x.example'] }] })
    const { state, reasons } = fold(create.did, [create, rot, byOld, byNew])
    expect(reasons).toEqual(['unauthorized'])
    expect(state!.alsoKnownAs).toEqual(['https://x.example'])
  })

  it('recover replaces the document and both keys; deactivate empties it for good', async () => {
    const { create, recovery } = await newDid()
    const s1 = fold(create.did, [create]).state!
    const newRecovery = key('new-recovery')
    const rec = await recoverDid(s1, recovery, {
      newUpdateKey: key('new-update'),
      newRecoveryKey: newRecovery,
      document: { services: [{ id: 'home', type: 'X', serviceEndpoint: 'https://home.example' }] },
    })
    const s2 = fold(create.did, [create, rec]).state!
    expect(s2.verificationMethods).toEqual([])
    expect(s2.services.map((s) => s.id)).toEqual(['home'])
    expect(s2.recoveryKey).toBe(newRecovery.publicKeyMultibase)
    expect(s2.recoveryHead).toBe(rec.cid)
    const byOldRecovery = await deactivateDid(s2, recovery)
    const deact = await deactivateDid(s2, newRecovery)
    const late = await updateDid(s2, key('new-update'), { patches: [{ action: 'remove-service', id: 'home' }] })
    const { state, reasons } = fold(create.did, [create, rec, byOldRecovery, deact, late])
    expect(reasons).toEqual(['unauthorized', 'after-deactivation'])
    expect(state!.deactivated).toBe(true)
    expect(toDidDocument(state!)).toEqual({ '@context': expect.any(Array), id: create.did })
  })
})

describe('fold: skip rules (invalid operations never stop the fold)', () => {
  async function setup() {
    const d = await newDid()
    const s1 = foldOperations(d.create.did, anchored([d.create])).state!
    const good = await updateDid(s1, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://ok.example'] }] })
    return { ...d, s1, good }
  }
  // Each case: an invalid operation placed between the create and a valid update; the valid update
  // must still apply, proving the junk operation was skipped and not fatal.
  const cases: [string, (c: Awaited<ReturnType<typeof setup>>) => Promise<Uint8Array> | Uint8Array][] = [
    ['malformed', () => new TextEncoder().encode('{"type":"update"}')],
    ['malformed', (c) => new TextEncoder().encode(new TextDecoder().decode(c.good.bytes).replace(/"sig":"[^"]+"/, '"sig":"A"'))],
    ['oversized', () => new Uint8Array(LIMITS.resourceBytes + 1).fill(32)],
    ['non-canonical', (c) => new TextEncoder().encode(` ${new TextDecoder().decode(c.good.bytes)}`)],
    ['bad-signature', (c) => new TextEncoder().encode(new TextDecoder().decode(c.good.bytes).replace('ok.example', 'ko.example'))],
    [
      'unauthorized',
      async (c) => (await updateDid(c.s1, key('intruder'), { patches: [{ action: 'remove-verification-method', id: 'key-1' }] })).bytes,
    ],
    ['unauthorized', async (c) => (await deactivateDid(c.s1, c.update)).bytes],
    [
      'wrong-predecessor',
      (c) => forge({ type: 'update', did: c.create.did, prev: c.good.cid, patches: [{ action: 'remove-service', id: 'x' }] }, c.update),
    ],
    ['wrong-did', async () => (await newDid('other')).create.bytes],
    ['invalid-patch', async (c) => (await updateDid(c.s1, c.update, { patches: [{ action: 'remove-service', id: 'nope' }] })).bytes],
    [
      'invalid-patch',
      async (c) =>
        (await updateDid(c.s1, c.update, { patches: [{ action: 'add-verification-method', method: vm('key-1', key('dup')) }] })).bytes,
    ],
    [
      'invalid-patch',
      async (c) =>
        (await updateDid(c.s1, c.update, { patches: [{ action: 'set-relationships', id: 'key-1', purposes: ['keyAgreement'] }] })).bytes,
    ],
    [
      'invalid-patch',
      async (c) => (await updateDid(c.s1, c.update, { patches: [{ action: 'set-relationships', id: 'ghost', purposes: [] }] })).bytes,
    ],
    ['duplicate', (c) => c.create.bytes],
  ]
  it.each(cases)('skips %s and keeps folding', async (reason, make) => {
    const c = await setup()
    const junk = await make(c)
    const { state, skipped } = fold(c.create.did, [c.create, junk, c.good])
    expect(skipped.map((s) => s.reason)).toEqual([reason])
    expect(skipped[0]!.height).toBe(2)
    expect(state!.versionId).toBe(2)
    expect(state!.alsoKnownAs).toEqual(['https://ok.example'])
  })

  it('refuses to fold for something that is not a did:grid DID', () => {
    expect(() => foldOperations('did:web:example.com', [])).toThrow(InvalidDidError)
    expect(() => foldOperations('did:web:example.com', [])).toThrow(/a did:grid DID has 4 colon-separated parts/)
  })

  it('skips operations before a valid create (no-create), then folds from the create', async () => {
    const c = await setup()
    const { state, reasons } = fold(c.create.did, [c.good, c.create])
    expect(reasons).toEqual(['no-create'])
    expect(state!.versionId).toBe(1)
  })

  it('a patch list applies all or nothing', async () => {
    const c = await setup()
    const partial = await updateDid(c.s1, c.update, {
      patches: [
        { action: 'add-service', service: { id: 'svc', type: 'X', serviceEndpoint: 'https://a.example' } },
        { action: 'remove-verification-method', id: 'missing' },
      ],
    })
    const { state, reasons } = fold(c.create.did, [c.create, partial])
    expect(reasons).toEqual(['invalid-patch'])
    expect(state!.services).toEqual([])
  })

  it('resolves forks by ledger order: of two updates naming the same prev, the first anchored wins', async () => {
    const c = await setup()
    const other = await updateDid(c.s1, c.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://fork.example'] }] })
    expect(fold(c.create.did, [c.create, other, c.good]).state!.alsoKnownAs).toEqual(['https://fork.example'])
    expect(fold(c.create.did, [c.create, c.good, other]).state!.alsoKnownAs).toEqual(['https://ok.example'])
    expect(fold(c.create.did, [c.create, c.good, other]).reasons).toEqual(['wrong-predecessor'])
  })
})

describe('a stolen update key cannot lock out the recovery key holder', () => {
  it('recovery applies even after the thief rotated the update key and kept updating', async () => {
    const { create, update, recovery, signing } = await newDid()
    const did = create.did
    let state: DidState = foldOperations(did, anchored([create])).state!
    // The owner prepares recovery against the state it last saw.
    const ops: EncodedOperation[] = [create]
    // The thief: swaps keys, rotates the update key to its own, keeps updating in a loop.
    const thief = key('thief')
    const t1 = await updateDid(state, update, {
      patches: [
        { action: 'remove-verification-method', id: 'key-1' },
        { action: 'add-verification-method', method: vm('evil', thief) },
      ],
      newUpdateKey: thief,
    })
    ops.push(t1)
    state = foldOperations(did, anchored(ops)).state!
    for (let i = 0; i < 3; i++) {
      const t = await updateDid(state, thief, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://evil${i}.example`] }] })
      ops.push(t)
      state = foldOperations(did, anchored(ops)).state!
    }
    expect(state.verificationMethods.map((v) => v.id)).toEqual(['evil'])
    // The thief cannot deactivate or recover: those need the recovery key.
    ops.push(await deactivateDid(state, thief))
    ops.push(await recoverDid(state, thief, { newUpdateKey: thief, newRecoveryKey: thief }))
    // The owner's recovery chains to the create (the last recovery-chain operation), which the thief
    // cannot advance, so it is never stale however many updates the thief anchors first.
    const ownerUpdate = key('owner-update-2')
    const ownerRecovery = key('owner-recovery-2')
    const rec = await recoverDid(state, recovery, {
      newUpdateKey: ownerUpdate,
      newRecoveryKey: ownerRecovery,
      document: { verificationMethods: [vm('key-1', signing)] },
    })
    expect(rec.operation.prev).toBe(create.cid)
    ops.push(rec)
    // The thief keeps trying after the recovery, with its key and with the stolen original.
    ops.push(
      await updateDid(foldOperations(did, anchored(ops)).state!, thief, {
        patches: [{ action: 'remove-verification-method', id: 'key-1' }],
      }),
    )
    ops.push(
      await updateDid(foldOperations(did, anchored(ops)).state!, update, {
        patches: [{ action: 'remove-verification-method', id: 'key-1' }],
      }),
    )
    const { state: final, reasons } = fold(did, ops)
    expect(reasons).toEqual(['unauthorized', 'unauthorized', 'unauthorized', 'unauthorized'])
    expect(final!.verificationMethods.map((v) => v.publicKeyMultibase)).toEqual([signing.publicKeyMultibase])
    expect(final!.updateKey).toBe(ownerUpdate.publicKeyMultibase)
    expect(final!.recoveryKey).toBe(ownerRecovery.publicKeyMultibase)
    expect(final!.alsoKnownAs).toEqual([])
    // And the owner is in control again.
    const ok = await updateDid(final!, ownerUpdate, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://owner.example'] }] })
    expect(fold(did, [...ops, ok]).state!.alsoKnownAs).toEqual(['https://owner.example'])
  })
})
