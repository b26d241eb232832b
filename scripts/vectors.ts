/**
 * Builds the test vectors in test/vectors/ deterministically (fixed seeds, nonce and clock).
 * `npm run vectors` writes them; test/vectors.test.ts rebuilds them and fails on any drift, and
 * test/spec.test.ts checks that spec/did-grid.md quotes them verbatim.
 */
import {
  Ed25519KeyPair,
  GridResolver,
  MemoryLedger,
  MemoryStatusIndexStore,
  StatusRegistry,
  checkRole,
  createDid,
  createPresentation,
  deactivateDid,
  issueMandate,
  issueRoleCredential,
  publishResource,
  publishRoleSchemas,
  recoverDid,
  resourceSuffix,
  rotateUpdateKey,
  trustRegistryUrl,
  updateDid,
  type EncodedOperation,
} from '../src/index.js'
import { anchorResource } from '../src/vc/resources.js'
import { Bitstring, statusEntry, statusListContent } from '../src/vc/status-list.js'
import { ed25519Verify } from '../src/lib/crypto.js'
import { toHex, utf8Decode } from '../src/lib/bytes.js'
import { signingInput } from '../src/method/operation.js'

const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'))
const seed = (label: string) => {
  // Test-only seeds: SHA-256 would hide nothing here; a readable pattern is clearer.
  const out = new Uint8Array(32)
  const bytes = Buffer.from(label.padEnd(32, '.'))
  out.set(bytes.subarray(0, 32))
  return out
}

export const KEY_LABELS = ['update-1', 'recovery-1', 'signing-1', 'signing-2', 'update-2', 'update-3', 'recovery-2'] as const

export function keys(): Record<(typeof KEY_LABELS)[number], Ed25519KeyPair> {
  return Object.fromEntries(KEY_LABELS.map((l) => [l, Ed25519KeyPair.fromSecretKey(seed(`did:grid test key ${l}`))])) as never
}

function opVector(name: string, op: EncodedOperation) {
  return {
    name,
    did: op.did,
    cid: op.cid,
    operation: op.operation,
    canonical: utf8Decode(op.bytes),
    signingInputHex: toHex(signingInput(op.operation)),
  }
}

/** The life cycle of one DID: create, update, rotate, recover, deactivate; and its resolutions. */
export async function lifecycleVectors() {
  const k = keys()
  let t = 1_767_225_600 // 2026-01-01T00:00:00Z
  const ledger = new MemoryLedger({ clock: () => t })
  const resolver = new GridResolver({ networks: { sgcc: ledger } })
  const ops: ReturnType<typeof opVector>[] = []
  const anchor = async (name: string, op: EncodedOperation) => {
    await ledger.submit([op.bytes])
    ops.push(opVector(name, op))
    t += 3600
  }
  const create = await createDid({
    network: 'sgcc',
    updateKey: k['update-1'],
    recoveryKey: k['recovery-1'],
    nonce: 'AAAAAAAAAAAAAAAAAAAAAA',
    document: {
      verificationMethods: [
        {
          id: 'key-1',
          type: 'Multikey',
          publicKeyMultibase: k['signing-1'].publicKeyMultibase,
          purposes: ['authentication', 'assertionMethod'],
        },
      ],
    },
  })
  const did = create.did
  await anchor('create', create)
  await anchor(
    'update',
    await updateDid(await resolver.resolveState(did), k['update-1'], {
      patches: [
        {
          action: 'add-verification-method',
          method: { id: 'key-2', type: 'Multikey', publicKeyMultibase: k['signing-2'].publicKeyMultibase, purposes: ['assertionMethod'] },
        },
        { action: 'add-service', service: { id: 'dr', type: 'DemandResponseEndpoint', serviceEndpoint: 'https://dr.sgcc.example/api/' } },
      ],
    }),
  )
  await anchor('rotate', await rotateUpdateKey(await resolver.resolveState(did), k['update-1'], k['update-2']))
  await anchor(
    'recover',
    await recoverDid(await resolver.resolveState(did), k['recovery-1'], {
      newUpdateKey: k['update-3'],
      newRecoveryKey: k['recovery-2'],
      document: {
        verificationMethods: [
          {
            id: 'key-3',
            type: 'Multikey',
            publicKeyMultibase: k['signing-2'].publicKeyMultibase,
            purposes: ['authentication', 'assertionMethod'],
          },
        ],
      },
    }),
  )
  await anchor('deactivate', await deactivateDid(await resolver.resolveState(did), k['recovery-2']))
  const resolutions = []
  for (const versionId of [undefined, 1, 2, 4]) {
    resolutions.push({
      request: versionId === undefined ? did : `${did}?versionId=${versionId}`,
      result: await resolver.resolve(versionId === undefined ? did : `${did}?versionId=${versionId}`),
    })
  }
  return {
    description: 'One DID through create, update, rotate, recover and deactivate; anchored one per hour from 2026-01-01T00:00:00Z.',
    keys: Object.fromEntries(KEY_LABELS.map((l) => [l, { publicKeyMultibase: k[l].publicKeyMultibase }])),
    operations: ops,
    resolutions,
  }
}

const L = 2n ** 252n + 27742317777372353535851937790883648493n
function addLToS(sigHex: string): string {
  const s = Buffer.from(sigHex.slice(64), 'hex')
  let n = 0n
  for (let i = 31; i >= 0; i--) n = (n << 8n) | BigInt(s[i]!)
  n += L
  const out = Buffer.alloc(32)
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn)
    n >>= 8n
  }
  return sigHex.slice(0, 64) + out.toString('hex')
}

/** The 12 edge cases of "Taming the many EdDSAs" (Chalkias et al., 2020) plus our own. */
const SPECCHECK: [string, string, string, string][] = [
  [
    'small-order A, small-order R, S = 0',
    '8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000',
  ],
  [
    'small-order A, mixed-order R',
    '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  ],
  [
    'mixed-order A, small-order R',
    'aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e',
  ],
  [
    'mixed-order A and R, passes cofactored and cofactorless',
    '9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009',
  ],
  [
    'mixed-order A and R, passes cofactored only',
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09',
  ],
  [
    'mixed-order A and R, passes cofactored only (k not reduced)',
    'e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c',
    'cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d',
    '21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405',
  ],
  [
    'S > L (S + L of a valid S)',
    '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    'e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514',
  ],
  [
    'S >> L (high bits set)',
    '85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40',
    '442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623',
    '8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22',
  ],
  [
    'non-canonical R (small order), passes cofactored',
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f',
  ],
  [
    'non-canonical R (small order), passes with reduced R in hash',
    '9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41',
    'f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908',
  ],
  [
    'non-canonical A (small order), passes with reduced A in hash',
    'e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  ],
  [
    'non-canonical A (small order), passes with unreduced A in hash',
    '39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f',
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
    'a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04',
  ],
]

/** Ed25519 accept/reject vectors under the did:grid rule set. `valid` is what both backends return. */
export function ed25519Vectors() {
  const rfc8032 = {
    name: 'RFC 8032 §7.1 TEST 1 (empty message)',
    message: '',
    publicKey: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    signature:
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  }
  const k = keys()['signing-1']
  const msg = Buffer.from('did:grid vector message').toString('hex')
  const good = toHex(k.signSync(hex(msg)))
  const pub = toHex(k.publicKey)
  const flipped = good.slice(0, 10) + (parseInt(good.slice(10, 12), 16) ^ 1).toString(16).padStart(2, '0') + good.slice(12)
  const cases = [
    rfc8032,
    { name: 'valid signature by test key signing-1', message: msg, publicKey: pub, signature: good },
    { name: 'valid signature, S + L (non-canonical S)', message: msg, publicKey: pub, signature: addLToS(good) },
    { name: 'valid signature over another message', message: `${msg}00`, publicKey: pub, signature: good },
    { name: 'one bit of R flipped', message: msg, publicKey: pub, signature: flipped },
    { name: 'signature of 63 bytes', message: msg, publicKey: pub, signature: good.slice(0, 126) },
    { name: 'public key of 31 bytes', message: msg, publicKey: pub.slice(0, 62), signature: good },
    { name: 'public key not on the curve', message: msg, publicKey: '02'.padEnd(64, '0'), signature: good },
    ...SPECCHECK.map(([name, message, publicKey, signature], i) => ({ name: `speccheck #${i}: ${name}`, message, publicKey, signature })),
  ]
  return {
    description:
      'Ed25519 accept/reject under the did:grid rule set (spec §Signatures). Both the native (node:crypto) and the pure-JS (@noble/ed25519) backends must return `valid` for every case. Cases "speccheck #n" are from "Taming the many EdDSAs" (Chalkias, Garillot, Nikolaenko, 2020).',
    cases: cases.map((c) => ({ ...c, valid: ed25519Verify(hex(c.signature), hex(c.message), hex(c.publicKey), 'js') })),
  }
}

/** DID syntax vectors: valid DIDs and invalid ones with the reason. */
export function syntaxVectors(sampleDid: string) {
  const suffix = sampleDid.split(':')[3]!
  return {
    valid: [sampleDid, `did:grid:a:${suffix}`, `did:grid:net2026:${'a'.repeat(51)}q`],
    invalid: [
      { did: `did:grid:SGCC:${suffix}`, why: 'network must be lowercase' },
      { did: `did:grid:sgcc:${suffix.toUpperCase()}`, why: 'suffix must be lowercase base32' },
      { did: `did:grid:sgcc:${suffix.slice(0, 51)}`, why: 'suffix must be 52 characters' },
      { did: `did:grid:sgcc:${'a'.repeat(51)}b`, why: 'last suffix character must be a or q (canonical base32)' },
      { did: `did:grid:sgcc:${'a'.repeat(51)}1`, why: '1 is not a base32 character' },
      { did: `did:grid:${suffix}`, why: 'the network is required' },
      { did: `did:grid:9net:${suffix}`, why: 'network must start with a letter' },
      { did: `did:grid:abcdefghijklmnopq:${suffix}`, why: 'network is at most 16 characters' },
      { did: `did:Grid:sgcc:${suffix}`, why: 'method name is lowercase' },
      { did: `did:grid:sgcc:${suffix}:x`, why: 'too many parts' },
    ],
  }
}

function decodeJwt(jwt: string) {
  const [h, p] = jwt.split('.') as [string, string]
  const part = (x: string) => JSON.parse(Buffer.from(x, 'base64url').toString('utf8'))
  return { jwt, header: part(h), payload: part(p) }
}

/**
 * Role credentials end to end: a utility publishes schemas, a trust registry and status lists as
 * DID-linked resources; issues a user credential (fixed status index 94567) and an aggregator
 * credential; the user mandates the aggregator; presentations and role-check decisions.
 */
export async function credentialVectors() {
  const kp = (label: string) => Ed25519KeyPair.fromSecretKey(seed(`did:grid test key ${label}`))
  let t = 1_772_323_200 // 2026-03-01T00:00:00Z
  const ledger = new MemoryLedger({ clock: () => t })
  const resolver = new GridResolver({ networks: { sgcc: ledger } })
  const party = async (name: string) => {
    const signing = kp(`${name}-signing`)
    const op = await createDid({
      network: 'sgcc',
      updateKey: kp(`${name}-update`),
      recoveryKey: kp(`${name}-recovery`),
      nonce: `${name}-nonce`.padEnd(22, 'A'),
      document: {
        verificationMethods: [
          {
            id: 'key-1',
            type: 'Multikey',
            publicKeyMultibase: signing.publicKeyMultibase,
            purposes: ['authentication', 'assertionMethod'],
          },
        ],
      },
    })
    await ledger.submit([op.bytes])
    return { did: op.did, jwt: { did: op.did, keyId: 'key-1', signer: signing }, signing }
  }
  const utility = await party('utility')
  const user = await party('user')
  const aggregator = await party('aggregator')
  const target = { ledger, resolver }
  const schemas = await publishRoleSchemas({ did: utility.did, signer: utility.signing }, target)
  const registry = await publishResource({
    did: utility.did,
    resourceId: 'trust-registry',
    resourceType: 'GridTrustRegistry',
    signer: utility.signing,
    content: {
      type: 'GridTrustRegistry',
      roles: {
        user: { issuers: [utility.did], schema: schemas.user },
        aggregator: { issuers: [utility.did], schema: schemas.aggregator },
        'production-base': { issuers: [utility.did], schema: schemas['production-base'] },
      },
      mandate: { schema: schemas.mandate },
    },
  })
  await ledger.submit([registry.bytes])
  const entries = (['revocation', 'suspension'] as const).map((purpose) =>
    statusEntry(`${utility.did}/resources/status-${purpose}-1`, purpose, 94567),
  )
  for (const e of entries) {
    const content = statusListContent(e.statusListCredential, utility.did, e.statusPurpose, await new Bitstring(131_072).encode())
    await anchorResource(
      { did: utility.did, signer: utility.signing },
      target,
      `status-${e.statusPurpose}-1`,
      'BitstringStatusListCredential',
      content,
    )
  }
  t += 3600
  const times = { issuedAt: t, validUntil: t + 365 * 86_400 }
  const userCredential = await issueRoleCredential({
    ...times,
    id: 'urn:uuid:8e6f3c1a-2b4d-4f8e-9a7c-1d2e3f4a5b6c',
    issuer: utility.jwt,
    role: 'user',
    subject: user.did,
    schema: schemas.user,
    status: entries,
    claims: { accountNumber: '3301060001', meterIds: ['M-330106-01'], voltageLevel: '10kV', contractedCapacityKva: 800, region: '330106' },
  })
  const aggEntries = entries.map((e) => statusEntry(e.statusListCredential, e.statusPurpose, 1203))
  const aggregatorCredential = await issueRoleCredential({
    ...times,
    id: 'urn:uuid:0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9',
    issuer: utility.jwt,
    role: 'aggregator',
    subject: aggregator.did,
    schema: schemas.aggregator,
    status: aggEntries,
    claims: {
      organizationName: 'Zhejiang Load Aggregation Co.',
      unifiedSocialCreditCode: '91350100M000100Y43',
      licensedRegions: ['330100', '330106'],
      maxAggregatedCapacityKw: 50_000,
    },
  })
  const mandate = await issueMandate({
    ...times,
    id: 'urn:uuid:5f4e3d2c-1b0a-4998-8776-655443322110',
    user: user.jwt,
    aggregator: aggregator.did,
    actions: ['response.bid', 'settlement.receive'],
    maxKw: 200,
    schema: schemas.mandate,
    validUntil: t + 90 * 86_400,
  })
  const audience = `${utility.did}#response-contract`
  const challenge = 'event-2026-03-01-peak-0001'
  const at = {
    resolver,
    trustRegistry: trustRegistryUrl(utility.did),
    audience,
    challenge,
    time: t + 60,
    height: (await ledger.head()).height,
  }
  const present = (holder: typeof user, credentials: string[]) =>
    createPresentation({ holder: holder.jwt, credentials, audience, challenge, issuedAt: t + 30 })
  const userVp = await present(user, [userCredential])
  const aggregatorVp = await present(aggregator, [aggregatorCredential, mandate, userCredential])
  const allowedSelf = await checkRole(userVp, { role: 'user', action: 'response.bid', capacityKw: 300 }, at)
  const allowedMandate = await checkRole(
    aggregatorVp,
    { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did, capacityKw: 150 },
    at,
  )
  const overMandate = await checkRole(
    aggregatorVp,
    { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did, capacityKw: 250 },
    at,
  )
  t += 3600
  await new StatusRegistry({ did: utility.did, signer: utility.signing, ledger, resolver, store: new MemoryStatusIndexStore() }).revoke(
    userCredential,
  )
  const revokedAt = { ...at, time: t + 60, height: (await ledger.head()).height }
  const revoked = await checkRole(await present(user, [userCredential]), { role: 'user', action: 'response.bid' }, { ...revokedAt })
  const revokedList = await resolver.dereference(entries[0]!.statusListCredential)
  return {
    description:
      'Role credentials on network sgcc, clock from 2026-03-01T00:00:00Z: a utility publishes its schemas, trust registry and status lists as DID-linked resources, issues a user and an aggregator credential, the user mandates the aggregator; presentations and role-check decisions, before and after the user credential is revoked.',
    dids: { utility: utility.did, user: user.did, aggregator: aggregator.did },
    trustRegistry: {
      ...opVector('trust registry', registry),
      url: trustRegistryUrl(utility.did),
      indexKey: resourceSuffix(utility.did, 'trust-registry'),
    },
    schemaUser: (await resolver.resolveResource(schemas.user)).version.content,
    userCredential: decodeJwt(userCredential),
    aggregatorCredential: decodeJwt(aggregatorCredential),
    mandate: decodeJwt(mandate),
    aggregatorPresentation: decodeJwt(aggregatorVp),
    decisions: {
      userForItself: { ...allowedSelf, requirement: { role: 'user', action: 'response.bid', capacityKw: 300 } },
      aggregatorUnderMandate: {
        ...allowedMandate,
        requirement: { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did, capacityKw: 150 },
      },
      aggregatorOverMandate: {
        ...overMandate,
        requirement: { role: 'aggregator', action: 'response.bid', onBehalfOf: user.did, capacityKw: 250 },
      },
      userRevoked: { ...revoked, requirement: { role: 'user', action: 'response.bid' } },
    },
    revokedList: { contentMetadata: revokedList.contentMetadata, content: revokedList.contentStream },
  }
}

export async function buildVectors(): Promise<Record<string, unknown>> {
  const lifecycle = await lifecycleVectors()
  return {
    'credentials.json': await credentialVectors(),
    'lifecycle.json': lifecycle,
    'ed25519.json': ed25519Vectors(),
    'did-syntax.json': syntaxVectors(lifecycle.operations[0]!.did),
  }
}

export function serialize(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`
}
