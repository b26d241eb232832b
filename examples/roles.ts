/**
 * Role credentials on the embedded ledger, narrated: a utility publishes its role schemas and trust
 * registry, issues a user and an aggregator credential, the user mandates the aggregator, and the
 * response contract's role check decides on bids — before and after a revocation.
 *
 * Run: npm run demo:roles        (uses only the package's public API, as an outside service would)
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  Ed25519KeyPair,
  GridResolver,
  MemoryStatusIndexStore,
  StatusRegistry,
  checkRole,
  createDid,
  createPresentation,
  issueMandate,
  issueRoleCredential,
  publishRoleSchemas,
  publishTrustRegistry,
  trustRegistryUrl,
  type JwtSigner,
  type RoleDecision,
} from 'grid-did'
import { SqliteLedger } from 'grid-did/ledger/sqlite'

const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), 'grid-did-roles-'))
const ledger = new SqliteLedger(join(dir, 'ledger.db'), { create: true })
const resolver = new GridResolver({ networks: { sgcc: ledger } })
const say = (text: string) => console.log(text)

/** A new DID whose key-1 authenticates and asserts; returns it as a JWT signer. */
async function newParty(): Promise<JwtSigner> {
  const signer = Ed25519KeyPair.generate()
  const op = await createDid({
    network: 'sgcc',
    updateKey: Ed25519KeyPair.generate(),
    recoveryKey: Ed25519KeyPair.generate(),
    document: {
      verificationMethods: [
        { id: 'key-1', type: 'Multikey', publicKeyMultibase: signer.publicKeyMultibase, purposes: ['authentication', 'assertionMethod'] },
      ],
    },
  })
  await ledger.submit([op.bytes])
  return { did: op.did, keyId: 'key-1', signer }
}

// 1. The utility publishes the role schemas and its trust registry as DID-linked resources.
const utility = await newParty()
const schemas = await publishRoleSchemas({ did: utility.did, signer: utility.signer }, { ledger, resolver })
await publishTrustRegistry(
  { did: utility.did, signer: utility.signer },
  { ledger, resolver },
  {
    roles: {
      user: { issuers: [utility.did], schema: schemas.user },
      aggregator: { issuers: [utility.did], schema: schemas.aggregator },
      'production-base': { issuers: [utility.did], schema: schemas['production-base'] },
    },
    mandate: { schema: schemas.mandate },
  },
)
say(`utility            ${utility.did}`)
say(`trust registry     ${trustRegistryUrl(utility.did)}`)

// 2. Role credentials, with revocation and suspension entries in the utility's status lists.
const status = new StatusRegistry({ did: utility.did, signer: utility.signer, ledger, resolver, store: new MemoryStatusIndexStore() })
const user = await newParty()
const aggregator = await newParty()
const validUntil = new Date(Date.now() + 365 * 86_400_000)
const userCredential = await issueRoleCredential({
  issuer: utility,
  role: 'user',
  subject: user.did,
  schema: schemas.user,
  status,
  validUntil,
  claims: { accountNumber: '3301060001', meterIds: ['M-330106-01'], voltageLevel: '10kV', contractedCapacityKva: 800, region: '330106' },
})
const aggregatorCredential = await issueRoleCredential({
  issuer: utility,
  role: 'aggregator',
  subject: aggregator.did,
  schema: schemas.aggregator,
  status,
  validUntil,
  claims: {
    organizationName: 'Zhejiang Load Aggregation Co.',
    unifiedSocialCreditCode: '91350100M000100Y43',
    licensedRegions: ['330106'],
    maxAggregatedCapacityKw: 50_000,
  },
})
// 3. The user mandates the aggregator to bid and receive settlement for it, up to 200 kW.
const mandate = await issueMandate({
  user,
  aggregator: aggregator.did,
  actions: ['response.bid', 'settlement.receive'],
  maxKw: 200,
  schema: schemas.mandate,
  validUntil: new Date(Date.now() + 90 * 86_400_000),
})

// 4. The response contract invites bids with a challenge; bids arrive as presentations.
const audience = `${utility.did}#response-contract`
const challenge = 'peak-2026-07-15-0001'
const bid = (holder: JwtSigner, credentials: string[]) => createPresentation({ holder, credentials, audience, challenge })
const context = async () => {
  const head = await ledger.head() // a contract takes these from its transaction
  return {
    resolver,
    trustRegistry: trustRegistryUrl(utility.did),
    audience,
    challenge,
    time: Math.floor(Date.now() / 1000),
    height: head.height,
  }
}
const show = (label: string, d: RoleDecision) =>
  say(`${label.padEnd(34)} ${d.allowed ? 'ALLOWED' : 'DENIED '} ${d.reasons.map((r) => r.code).join(', ')}`)

show(
  'user bids 300 kW for itself',
  await checkRole(await bid(user, [userCredential]), { role: 'user', action: 'response.bid', capacityKw: 300 }, await context()),
)
const aggregatorBid = await bid(aggregator, [aggregatorCredential, mandate, userCredential])
show(
  'aggregator bids 150 kW for user',
  await checkRole(aggregatorBid, { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did, capacityKw: 150 }, await context()),
)
show(
  'aggregator bids 250 kW for user',
  await checkRole(aggregatorBid, { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did, capacityKw: 250 }, await context()),
)
show(
  'aggregator without the mandate',
  await checkRole(
    await bid(aggregator, [aggregatorCredential, userCredential]),
    { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did },
    await context(),
  ),
)

// 5. The utility revokes the user's credential: the next check at the new height denies.
await status.revoke(userCredential)
show(
  'user bids after revocation',
  await checkRole(await bid(user, [userCredential]), { role: 'user', action: 'response.bid' }, await context()),
)
await ledger.close()
