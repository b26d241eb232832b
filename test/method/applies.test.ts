/**
 * The one rule writers check before anchoring: would the fold apply this operation on top of the
 * current state? (`assertApplies` for DID operations, `assertResourceApplies` for resource versions.)
 */
import { describe, expect, it } from 'vitest'
import {
  assertApplies,
  assertResourceApplies,
  deactivateDid,
  faultOnState,
  foldOperations,
  publishResource,
  recoverDid,
  rotateUpdateKey,
  updateDid,
  type DidState,
  type EncodedOperation,
} from '../../src/index.js'
import { anchored, expectFault, key, newDid, vm } from '../helpers.js'

const stateOf = (did: string, ops: EncodedOperation[]): DidState => foldOperations(did, anchored(ops)).state!
const aka = (n: number) => ({ patches: [{ action: 'set-also-known-as' as const, alsoKnownAs: [`https://v${n}.example`] }] })

describe('assertApplies', () => {
  it('passes what the fold applies, and refuses with the fold’s reason what it would skip', async () => {
    const d = await newDid('applies')
    const did = d.create.did
    assertApplies(undefined, d.create)
    const s1 = stateOf(did, [d.create])
    expect(faultOnState(s1, d.create)).toEqual({ reason: 'duplicate', message: 'the DID already exists' })
    const up = await updateDid(s1, d.update, aka(1))
    assertApplies(s1, up)
    expect(faultOnState(s1, up)).toBeUndefined()
    expectFault(
      () => assertApplies(undefined, up),
      'no-create',
      /^the update of did:grid:test:\S+ would not apply, so it was not anchored: update before a valid create$/,
    )
    const s2 = stateOf(did, [d.create, up])
    // Built on a state that is no longer the latest: a stale prev.
    const stale = await updateDid(s1, d.update, aka(2))
    expectFault(() => assertApplies(s2, stale), 'wrong-predecessor', /not anchored: prev is not the last applied operation$/)
    // Keys that do not apply: the recovery key for an update, the update key for a recovery and a
    // deactivation, an update key rotated away.
    const byRecovery = await updateDid(s2, d.recovery, aka(3))
    expectFault(() => assertApplies(s2, byRecovery), 'unauthorized', /not anchored: not signed by the current update key$/)
    const fresh = key('applies-fresh')
    const recoverByUpdate = await recoverDid(s2, d.update, {
      newUpdateKey: fresh,
      newRecoveryKey: fresh,
      document: { verificationMethods: [vm('key-1', fresh)] },
    })
    expectFault(() => assertApplies(s2, recoverByUpdate), 'unauthorized', /^the recover of .* not signed by the current recovery key$/)
    const deactivateByUpdate = await deactivateDid(s2, d.update)
    expectFault(
      () => assertApplies(s2, deactivateByUpdate),
      'unauthorized',
      /^the deactivate of .* not signed by the current recovery key$/,
    )
    const rotate = await rotateUpdateKey(s2, d.update, fresh)
    const s3 = stateOf(did, [d.create, up, rotate])
    const oldKey = await updateDid(s3, d.update, aka(4))
    expectFault(() => assertApplies(s3, oldKey), 'unauthorized', /not signed by the current update key$/)
    assertApplies(s3, await updateDid(s3, fresh, aka(4)))
    // A patch that does not fit the current document.
    const missing = await updateDid(s3, fresh, { patches: [{ action: 'remove-verification-method', id: 'nope' }] })
    expectFault(() => assertApplies(s3, missing), 'invalid-patch', /not anchored: patches\[0\]: no verification method "nope"$/)
    // Nothing applies after a deactivation, and an operation of another DID never applies.
    const deactivate = await deactivateDid(s3, d.recovery)
    assertApplies(s3, deactivate)
    const s4 = stateOf(did, [d.create, up, rotate, deactivate])
    expectFault(() => assertApplies(s4, oldKey), 'after-deactivation', /not anchored: the DID is deactivated$/)
    const other = await newDid('applies-other')
    expectFault(() => assertApplies(s3, other.create), 'wrong-did', /belongs to did:grid:test:/)
  })
})

describe('assertResourceApplies', () => {
  it('passes a version that applies, and refuses with the fold’s reason one it would skip', async () => {
    const d = await newDid('applies-res')
    const did = d.create.did
    const owner = stateOf(did, [d.create])
    const v1 = await publishResource({ did, resourceId: 'cfg', resourceType: 'Config', content: { a: 1 }, signer: d.signing })
    assertResourceApplies(owner, undefined, v1)
    const latest = { cid: v1.cid, resourceType: 'Config' }
    const v2 = await publishResource({ did, resourceId: 'cfg', resourceType: 'Config', content: { a: 2 }, prev: v1.cid, signer: d.update })
    assertResourceApplies(owner, latest, v2)
    expectFault(
      () => assertResourceApplies(owner, undefined, v2),
      'wrong-predecessor',
      /^the resource of did:grid:test:\S+ would not apply, so it was not anchored: the first version must not have prev$/,
    )
    const noPrev = await publishResource({ did, resourceId: 'cfg', resourceType: 'Config', content: { a: 2 }, signer: d.signing })
    expectFault(
      () => assertResourceApplies(owner, latest, noPrev),
      'wrong-predecessor',
      /not anchored: prev is not the last applied version$/,
    )
    const retyped = await publishResource({
      did,
      resourceId: 'cfg',
      resourceType: 'Other',
      content: { a: 2 },
      prev: v1.cid,
      signer: d.signing,
    })
    expectFault(() => assertResourceApplies(owner, latest, retyped), 'type-changed', /not anchored: resourceType must stay "Config"$/)
    const stranger = await publishResource({
      did,
      resourceId: 'cfg',
      resourceType: 'Config',
      content: { a: 2 },
      prev: v1.cid,
      signer: key('applies-stranger'),
    })
    expectFault(
      () => assertResourceApplies(owner, latest, stranger),
      'unauthorized',
      /not anchored: not signed by the owner's update key or an assertionMethod key$/,
    )
    expectFault(
      () => assertResourceApplies(undefined, undefined, v1),
      'no-create',
      /not anchored: the owner DID does not exist at this ledger position$/,
    )
    const gone = stateOf(did, [d.create, await deactivateDid(owner, d.recovery)])
    expectFault(() => assertResourceApplies(gone, latest, v2), 'after-deactivation', /not anchored: the owner DID is deactivated$/)
    expectFault(() => assertResourceApplies(owner, latest, d.create), 'wrong-did', /is not a version of/)
  })
})
