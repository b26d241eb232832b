import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  GridResolver,
  RemoteLedger,
  checkRole,
  createPresentation,
  operationCid,
  resourceSuffix,
  updateDid,
  type LoggedOperation,
  type OperationLogPage,
} from '../../src/index.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'
import { fromBase64url, toBase64url } from '../../src/lib/bytes.js'
import type { Handler } from '../../src/server/handler.js'
import { createHandler, serve, type RunningServer } from '../../src/server/node.js'
import { World, type Party } from '../vc/world.js'

const root = mkdtempSync(join(tmpdir(), 'grid-did-oplog-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const servers: RunningServer[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close()
})

const REQ = { role: 'user', action: 'response.bid' } as const

/**
 * A utility's world on a SqliteLedger: a user with a role credential (and an update), a revoked
 * second one, served by a real endpoint; `remote` resolves through the endpoint's operation log.
 */
async function setup(wrap: (real: Handler) => Handler = (h) => h) {
  const w = await World.create((clock) => new SqliteLedger(join(root, `w${n++}`, 'ledger.db'), { create: true, clock }))
  const user = await w.party('user-1')
  const state = await w.resolver.resolveState(user.did)
  await w.ledger.submit([
    await updateDid(state, user.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://u.example'] }] }),
  ])
  const vc = await w.issue('user', user.did)
  const revoked = await w.issue('user', user.did)
  w.now += 60
  await w.status.revoke(revoked)
  const running = await serve(wrap(createHandler({ resolver: w.resolver })), { port: 0, log: false })
  servers.push(running)
  const remote = new GridResolver({ networks: { test: new RemoteLedger({ url: running.url, network: 'test', pageSize: 3 }) } })
  return { w, user, vc, revoked, running, remote }
}

const present = (w: World, holder: Party, credentials: string[]) =>
  createPresentation({
    holder: holder.jwt,
    credentials,
    audience: 'did:grid:test:contract#response',
    challenge: 'nonce-0001',
    issuedAt: w.now,
  })

async function get(url: string, init?: RequestInit): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(url, init)
  return { status: res.status, headers: res.headers, body: init?.method === 'HEAD' ? null : await res.json() }
}

describe('the operation log (GET /1.0/log/…, /1.0/ledgers/…) and RemoteLedger over it', () => {
  it('resolves and checks roles through the endpoint exactly as through the local ledger', async () => {
    const { w, user, vc, revoked, remote } = await setup()
    expect(await remote.resolve(user.did)).toEqual(await w.resolver.resolve(user.did))
    expect(await remote.resolve(user.did, { versionId: 1 })).toEqual(await w.resolver.resolve(user.did, { versionId: 1 }))
    expect(await remote.history(user.did)).toEqual(await w.resolver.history(user.did))
    expect(await remote.dereference(`${w.utility.did}/resources/trust-registry`)).toEqual(
      await w.resolver.dereference(`${w.utility.did}/resources/trust-registry`),
    )
    const context = await w.context()
    for (const credentials of [[vc], [revoked]]) {
      const vp = await present(w, user, credentials)
      const local = await checkRole(vp, REQ, context)
      expect(await checkRole(vp, REQ, { ...context, resolver: remote })).toEqual(local)
    }
    expect((await checkRole(await present(w, user, [vc]), REQ, { ...context, resolver: remote })).allowed).toBe(true)
    expect((await checkRole(await present(w, user, [revoked]), REQ, { ...context, resolver: remote })).reasons.map((r) => r.code)).toEqual([
      'status-revoked',
    ])
  })

  it('serves a DID’s and a resource’s operations with their receipts, paged, with untilHeight', async () => {
    const { w, user, running } = await setup()
    const local = await w.ledger.read(user.did.split(':')[3]!)
    const full = await get(`${running.url}/1.0/log/${user.did}`)
    expect(full.status).toBe(200)
    expect(full.headers.get('access-control-allow-origin')).toBe('*')
    const page = full.body as OperationLogPage
    expect(page).toMatchObject({ network: 'test', key: user.did.split(':')[3], did: user.did })
    expect(page.next).toBeUndefined()
    const receipts: LoggedOperation[] = []
    for (const op of local) {
      const batch = (await w.ledger.batch(op.height))!
      receipts.push({
        cid: operationCid(op.bytes),
        height: op.height,
        position: op.position,
        time: op.time,
        batchRoot: batch.root,
        bytes: toBase64url(op.bytes),
      })
    }
    expect(page.operations).toEqual(receipts)
    // One operation a page: `next` until the last page, which is short.
    const walked: LoggedOperation[] = []
    let after = ''
    for (let i = 0; i < 5; i++) {
      const p = (await get(`${running.url}/1.0/log/${user.did}?limit=1${after}`)).body as OperationLogPage
      walked.push(...p.operations)
      if (!p.next) break
      after = `&after=${p.next}`
    }
    expect(walked).toEqual(receipts)
    const first = receipts[0]!.height
    expect((await get(`${running.url}/1.0/log/${user.did}?untilHeight=${first}`)).body.operations).toEqual([receipts[0]])
    // A resource by name, and the same log by its index key.
    const resource = `${w.utility.did}/resources/trust-registry`
    const byName = (await get(`${running.url}/1.0/log/${resource}`)).body
    const key = resourceSuffix(w.utility.did, 'trust-registry')
    const byKey = (await get(`${running.url}/1.0/ledgers/test/log/${key}`)).body
    expect(byName).toEqual({ ...byKey, did: w.utility.did, resource })
    expect(byKey.operations.length).toBeGreaterThan(0)
    expect((await get(`${running.url}/1.0/ledgers/test`)).body).toEqual({ network: 'test', ...(await w.ledger.head()) })
    const batch = await get(`${running.url}/1.0/ledgers/test/batches/${first}`)
    expect(batch.body).toEqual({ network: 'test', ...(await w.ledger.batch(first)) })
    const head = await get(`${running.url}/1.0/log/${user.did}`, { method: 'HEAD' })
    expect(head.status).toBe(200)
  })

  it('answers bad requests, unknown networks, missing batches and a ledger that is down with problem codes', async () => {
    const { w, user, running } = await setup()
    const expectProblem = async (path: string, status: number, error: string, detail: RegExp) => {
      const res = await get(`${running.url}${path}`)
      expect(res.status).toBe(status)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(res.body).toMatchObject({ status, error })
      expect(res.body.detail).toMatch(detail)
    }
    await expectProblem('/1.0/log/did:grid:test:nope', 400, 'ERR_GRID_INVALID_DID', /suffix/)
    await expectProblem('/1.0/log/did:example:a:b', 400, 'ERR_GRID_INVALID_DID', /method must be "grid"/)
    await expectProblem(`/1.0/log/${user.did}/other/x`, 400, 'ERR_GRID_INVALID_DID', /resources/)
    await expectProblem(`/1.0/log/${user.did}?limit=0`, 400, 'ERR_GRID_BAD_REQUEST', /limit must be a positive integer/)
    await expectProblem(`/1.0/log/${user.did}?after=3`, 400, 'ERR_GRID_BAD_REQUEST', /height\.position/)
    await expectProblem(`/1.0/log/${user.did}?untilHeight=-1`, 400, 'ERR_GRID_BAD_REQUEST', /untilHeight must be a non-negative integer/)
    await expectProblem(`/1.0/log/${user.did}?since=1`, 400, 'ERR_GRID_BAD_REQUEST', /unknown parameter since/)
    await expectProblem(`/1.0/log/${user.did}?limit=1&limit=2`, 400, 'ERR_GRID_BAD_REQUEST', /more than once/)
    await expectProblem('/1.0/ledgers/test/log/xyz', 400, 'ERR_GRID_BAD_REQUEST', /52-character/)
    await expectProblem('/1.0/ledgers/test/batches/1.5', 400, 'ERR_GRID_BAD_REQUEST', /batch height/)
    await expectProblem('/1.0/ledgers/test/batches/999', 404, 'ERR_GRID_NOT_FOUND', /no batch at height 999/)
    await expectProblem('/1.0/ledgers/test/other', 404, 'ERR_GRID_NOT_FOUND', /no route/)
    await expectProblem(`/1.0/log/${user.did.replace(':test:', ':other:')}`, 404, 'ERR_GRID_UNKNOWN_NETWORK', /other/)
    await expectProblem('/1.0/ledgers/other', 404, 'ERR_GRID_UNKNOWN_NETWORK', /other/)
    expect((await get(`${running.url}/1.0/log/${user.did}`, { method: 'POST' })).status).toBe(405)
    // A limit above the bound is cut to it, not refused.
    expect((await get(`${running.url}/1.0/log/${user.did}?limit=100000`)).status).toBe(200)
    await w.ledger.close()
    await expectProblem(`/1.0/log/${user.did}`, 503, 'ERR_GRID_LEDGER_UNAVAILABLE', /closed/)
    await expectProblem('/1.0/ledgers/test', 503, 'ERR_GRID_LEDGER_UNAVAILABLE', /closed/)
  })

  it('an endpoint that tampers with an operation cannot make a reader apply it: the fold skips it', async () => {
    let target = ''
    // Flips one byte of the last operation of `target`'s log (the user's update).
    const tamper = (real: Handler) => async (req: Request) => {
      const res = await real(req)
      if (!target || !new URL(req.url).pathname.endsWith(`/log/${target}`)) return res
      const page = (await res.json()) as OperationLogPage
      const last = page.operations.at(-1)
      if (last) {
        const bytes = fromBase64url(last.bytes).slice()
        bytes[bytes.length - 20]! ^= 1
        last.bytes = toBase64url(bytes)
      }
      return Response.json(page)
    }
    const { w, user, remote } = await setup(tamper)
    target = user.did.split(':')[3]!
    const honest = await w.resolver.history(user.did)
    expect(honest.state!.alsoKnownAs).toEqual(['https://u.example'])
    const seen = await remote.history(user.did)
    expect(seen.state!.alsoKnownAs).toEqual([])
    expect(seen.state!.versionId).toBe(1)
    const skipped = seen.operations.at(-1)!
    expect(skipped.applied).toBe(false)
    expect(skipped.reason).toMatch(/^(bad-signature|malformed|non-canonical)$/)
    const resolved = await remote.resolve(user.did)
    expect(resolved.didDocument?.alsoKnownAs ?? []).toEqual([])
  })

  it('withholding a status-list version hides a revocation from one endpoint; asking a second one bounds it', async () => {
    let withhold = ''
    // Drops the last version of the revocation list: the revocation itself.
    const drop = (real: Handler) => async (req: Request) => {
      const res = await real(req)
      if (!withhold || !new URL(req.url).pathname.endsWith(`/log/${withhold}`)) return res
      const page = (await res.json()) as OperationLogPage
      page.operations.pop()
      return Response.json(page)
    }
    const { w, user, revoked, remote, running } = await setup(drop)
    withhold = resourceSuffix(w.utility.did, 'status-revocation-1')
    const honest = await serve(createHandler({ resolver: w.resolver }), { port: 0, log: false })
    servers.push(honest)
    const second = new GridResolver({ networks: { test: new RemoteLedger({ url: honest.url, network: 'test' }) } })
    const context = await w.context()
    const vp = await present(w, user, [revoked])
    expect((await checkRole(vp, REQ, context)).allowed).toBe(false)
    // The withholding endpoint: the revoked credential passes. Nothing was forged, only hidden.
    expect((await checkRole(vp, REQ, { ...context, resolver: remote })).allowed).toBe(true)
    // Both endpoints agree on the head and every batch root: withholding a log leaves them unchanged.
    const heads = await Promise.all([running.url, honest.url].map(async (u) => (await get(`${u}/1.0/ledgers/test`)).body))
    expect(heads[0]).toEqual(heads[1])
    const roots = async (u: string) => (await get(`${u}/1.0/ledgers/test/batches/${heads[0].height}`)).body.root
    expect(await roots(running.url)).toBe(await roots(honest.url))
    // The second endpoint serves the revocation: a verifier asking both denies.
    const decisions = await Promise.all([remote, second].map((resolver) => checkRole(vp, REQ, { ...context, resolver })))
    expect(decisions.map((d) => d.allowed)).toEqual([true, false])
    expect(decisions[1]!.reasons.map((r) => r.code)).toEqual(['status-revoked'])
  })
})
