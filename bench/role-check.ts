/**
 * Role check on one core: a presentation with one user credential, status and trust checked, against
 * did-jwt-vc (verifyPresentation + verifyCredential on the same presentation) and against the limit
 * of two native Ed25519 verifications per check.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Resolver } from 'did-resolver'
import { verifyCredential, verifyPresentation } from 'did-jwt-vc'
import {
  Ed25519KeyPair,
  GridResolver,
  MemoryStatusIndexStore,
  StatusRegistry,
  checkRole,
  createPresentation,
  getResolver,
  issueRoleCredential,
  publishRoleSchemas,
  publishTrustRegistry,
  trustRegistryUrl,
} from '../src/index.js'
import { SqliteLedger } from '../src/ledger/sqlite.js'
import { ed25519Verify } from '../src/lib/crypto.js'
import { newParty, rate, type BenchContext } from './lib.js'

export async function roleCheckBench(ctx: BenchContext): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'grid-did-bench-role-'))
  const ledger = new SqliteLedger(join(dir, 'ledger.db'), { create: true })
  const resolver = new GridResolver({ networks: { sgcc: ledger } })
  const party = () => newParty(ledger)
  const utility = await party()
  const schemas = await publishRoleSchemas({ did: utility.did, signer: utility.signer }, { ledger, resolver })
  await publishTrustRegistry(
    { did: utility.did, signer: utility.signer },
    { ledger, resolver },
    { roles: { user: { issuers: [utility.did], schema: schemas.user } } },
  )
  const status = new StatusRegistry({ did: utility.did, signer: utility.signer, ledger, resolver, store: new MemoryStatusIndexStore() })
  const user = await party()
  const credential = await issueRoleCredential({
    issuer: utility,
    role: 'user',
    subject: user.did,
    schema: schemas.user,
    status,
    validUntil: new Date(Date.now() + 365 * 86_400_000),
    claims: { accountNumber: '3301060001', meterIds: ['M-330106-01'], voltageLevel: '10kV', contractedCapacityKva: 800, region: '330106' },
  })
  const audience = `${utility.did}#response-contract`
  const challenge = 'bench-challenge-0001'
  const vp = await createPresentation({ holder: user, credentials: [credential], audience, challenge })
  const head = await ledger.head()
  const context = {
    resolver,
    trustRegistry: trustRegistryUrl(utility.did),
    audience,
    challenge,
    time: Math.floor(Date.now() / 1000),
    height: head.height,
  }
  const first = await checkRole(vp, { role: 'user', action: 'response.bid' }, context)
  if (!first.allowed) throw new Error(`the benchmark's presentation is denied: ${first.reasons.map((r) => r.code).join(', ')}`)

  const n = Math.round(3000 * ctx.scale)
  const ours = await rate(n, () => checkRole(vp, { role: 'user', action: 'response.bid' }, context))
  // did-jwt-vc on the same presentation (it checks neither status, trust, nor schema: less work).
  const didResolver = new Resolver(getResolver({ networks: { sgcc: ledger } }))
  const peer = await rate(Math.max(100, Math.round(n / 10)), async () => {
    const p = await verifyPresentation(vp, didResolver, { audience, challenge })
    for (const c of p.verifiablePresentation.verifiableCredential ?? [])
      await verifyCredential(typeof c === 'string' ? c : (c as unknown as { proof: { jwt: string } }).proof.jwt, didResolver)
  })
  // The limit: two native Ed25519 verifications (presentation + credential) per check.
  const key = Ed25519KeyPair.generate()
  const msg = new TextEncoder().encode(vp.split('.').slice(0, 2).join('.'))
  const sig = key.signSync(msg)
  const verifies = await rate(n * 4, () => ed25519Verify(sig, msg, key.publicKey, 'native'))
  const limit = verifies / 2
  ctx.record({
    name: 'role check (VP + 1 VC, status and trust), one core',
    value: ours,
    unit: 'checks/s',
    baseline: 'did-jwt-vc verifyPresentation + verifyCredential',
    baselineValue: peer,
    target: '≥ 8× did-jwt-vc',
    met: ours / peer >= 8,
  })
  ctx.record({
    name: 'role check vs the signature limit',
    value: ours,
    unit: 'checks/s',
    baseline: 'native Ed25519, 2 verifies per check',
    baselineValue: limit,
    target: '≥ 0.8× the limit',
    met: ours / limit >= 0.8,
  })
  await ledger.close()
  rmSync(dir, { recursive: true, force: true })
}
