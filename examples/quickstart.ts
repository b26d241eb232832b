/**
 * The did:grid life cycle on the embedded ledger (SQLite), narrated:
 * create → resolve → update → rotate the update key → resolve an old version → dereference →
 * a stolen update key is overridden by recovery → deactivate → history.
 *
 * Run: npm run demo:quickstart        (uses only the package's public API, as an outside service would)
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Resolver } from 'did-resolver'
import {
  Ed25519KeyPair,
  GridResolver,
  createDid,
  deactivateDid,
  getResolver,
  recoverDid,
  rotateUpdateKey,
  updateDid,
  type DIDDereferencingResult,
} from 'grid-did'
import { SqliteLedger } from 'grid-did/ledger/sqlite'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'grid-did-quickstart-'))
const ledger = new SqliteLedger(join(dir, 'ledger.db'), { create: true })
const resolver = new GridResolver({ networks: { sgcc: ledger } })
const step = (n: number, text: string) => console.log(`\n${n}. ${text}`)
const show = (label: string, value: unknown) =>
  console.log(`   ${label.padEnd(22)} ${typeof value === 'string' ? value : JSON.stringify(value)}`)

console.log(`did:grid quickstart — embedded ledger at ${join(dir, 'ledger.db')}`)

step(1, 'The provincial utility creates its DID (update key, offline recovery key, one signing key).')
const updateKey = Ed25519KeyPair.generate()
const recoveryKey = Ed25519KeyPair.generate()
const signingKey = Ed25519KeyPair.generate()
const create = await createDid({
  network: 'sgcc',
  updateKey,
  recoveryKey,
  document: {
    verificationMethods: [
      { id: 'key-1', type: 'Multikey', publicKeyMultibase: signingKey.publicKeyMultibase, purposes: ['authentication', 'assertionMethod'] },
    ],
  },
})
const [created] = await ledger.submit([create.bytes])
const did = create.did
show('DID', did)
show('anchored at', `height ${created!.height}, position ${created!.position}, batch root ${created!.batchRoot.slice(0, 16)}…`)

step(2, 'Resolve it (W3C DID Resolution result).')
let result = await resolver.resolve(did)
show(
  'verificationMethod',
  result.didDocument!.verificationMethod!.map((vm) => vm.id.split('#')[1]),
)
show('assertionMethod', result.didDocument!.assertionMethod)
show('versionId', result.didDocumentMetadata.versionId)

step(3, 'Update: add a demand-response service and a second key for settlement signing.')
const settlementKey = Ed25519KeyPair.generate()
const update = await updateDid(await resolver.resolveState(did), updateKey, {
  patches: [
    { action: 'add-service', service: { id: 'dr', type: 'DemandResponseEndpoint', serviceEndpoint: 'https://dr.sgcc.example/api/' } },
    {
      action: 'add-verification-method',
      method: { id: 'key-2', type: 'Multikey', publicKeyMultibase: settlementKey.publicKeyMultibase, purposes: ['assertionMethod'] },
    },
  ],
})
await ledger.submit([update.bytes])
result = await resolver.resolve(did)
show(
  'services',
  result.didDocument!.service!.map((s) => s.id.split('#')[1]),
)
show('versionId', result.didDocumentMetadata.versionId)

step(4, 'Rotate the update key; the old key can no longer change the DID.')
const newUpdateKey = Ed25519KeyPair.generate()
await ledger.submit([(await rotateUpdateKey(await resolver.resolveState(did), updateKey, newUpdateKey)).bytes])
const stale = await updateDid(await resolver.resolveState(did), updateKey, { patches: [{ action: 'remove-service', id: 'dr' }] })
await ledger.submit([stale.bytes])
result = await resolver.resolve(did)
show('versionId', result.didDocumentMetadata.versionId)
show('update with old key', 'anchored, but skipped by every resolver (unauthorized)')
show(
  'services still',
  result.didDocument!.service!.map((s) => s.id.split('#')[1]),
)

step(5, 'Resolve the DID as it was created (versionId=1), through did-resolver.')
const didResolver = new Resolver(getResolver(resolver))
const v1 = await didResolver.resolve(`${did}?versionId=1`)
show('services at v1', v1.didDocument!.service ?? [])
show('nextVersionId', v1.didDocumentMetadata.nextVersionId)

step(6, 'Dereference DID URLs.')
const key1 = (await resolver.dereference(`${did}#key-1`)) as DIDDereferencingResult
show('#key-1', (key1.contentStream as { publicKeyMultibase: string }).publicKeyMultibase)
const endpoint = await resolver.dereference(`${did}?service=dr&relativeRef=bids/2026-11-21`)
show('service=dr+relativeRef', endpoint.contentStream)

step(7, 'The update key is stolen: the thief swaps in its own key. The recovery key takes the DID back.')
const thief = Ed25519KeyPair.generate()
await ledger.submit([
  (
    await updateDid(await resolver.resolveState(did), newUpdateKey, {
      patches: [
        { action: 'remove-verification-method', id: 'key-1' },
        {
          action: 'add-verification-method',
          method: { id: 'evil', type: 'Multikey', publicKeyMultibase: thief.publicKeyMultibase, purposes: ['assertionMethod'] },
        },
      ],
      newUpdateKey: thief,
    })
  ).bytes,
])
show(
  'after theft',
  (await resolver.resolve(did)).didDocument!.verificationMethod!.map((vm) => vm.id.split('#')[1]),
)
const freshUpdate = Ed25519KeyPair.generate()
const freshRecovery = Ed25519KeyPair.generate()
const recover = await recoverDid(await resolver.resolveState(did), recoveryKey, {
  newUpdateKey: freshUpdate,
  newRecoveryKey: freshRecovery,
  document: {
    verificationMethods: [
      { id: 'key-1', type: 'Multikey', publicKeyMultibase: signingKey.publicKeyMultibase, purposes: ['authentication', 'assertionMethod'] },
    ],
  },
})
// The thief tries again in the same batch, after the recovery: its key is no longer the update key.
const retry = await updateDid(await resolver.resolveState(did), thief, { patches: [{ action: 'remove-verification-method', id: 'evil' }] })
await ledger.submit([recover.bytes, retry.bytes])
show(
  'after recovery',
  (await resolver.resolve(did)).didDocument!.verificationMethod!.map((vm) => vm.id.split('#')[1]),
)

step(8, 'Deactivate (recovery key; final).')
await ledger.submit([(await deactivateDid(await resolver.resolveState(did), freshRecovery)).bytes])
result = await resolver.resolve(did)
show('deactivated', result.didDocumentMetadata.deactivated)
show('document', result.didDocument)

step(9, 'History: every anchored operation, applied or skipped, re-verified by the resolver.')
const { operations } = await resolver.history(did)
for (const op of operations) {
  const what = op.applied ? `applied  v${op.versionId}` : `skipped  ${op.reason}`
  console.log(`   h${String(op.height).padEnd(3)} p${op.position}  ${String(op.type).padEnd(10)} ${what}`)
}

await ledger.close()
console.log('\nDone.')
