/**
 * The attestor service (createAttestor + createAttestorHandler) on a real HTTP server on 127.0.0.1,
 * deciding on its own ChainIndex that follows the dev chain over JSON-RPC: allowed decisions signed,
 * denials refused 403 with their reasons, malformed requests 400/413/415, a height not reached 409,
 * and the chain unreachable 503, never a denial.
 */
import { join } from 'node:path'
import { getAddress, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AttestationRefusedError, createAttestor, recoverAttestors, type RoleAttestation } from 'grid-did/gate'
import {
  type GridError,
  HeightNotReachedError,
  LedgerUnavailableError,
  createPresentation,
  termsDigest,
  type RoleRequirement,
} from '../../src/index.js'
import { ChainIndex } from '../../src/ledger/chain-index.js'
import { EvmLedger } from '../../src/ledger/evm.js'
import { createAttestorHandler, serve, type RunningServer } from '../../src/server/node.js'
import { LedgerWorld } from './ledger-world.js'

const ACCOUNT = privateKeyToAccount(`0x${'a7'.repeat(32)}`)
const GATE: Address = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const CONSUMER: Address = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512'
const CHALLENGE = '0123456789abcdef0123456789abcdef'
const AUDIENCE = `eip155:1337:${CONSUMER}`
const TERMS = { capacityKw: 120, event: `0x${'ee'.repeat(32)}`, priceFen: 1200, role: 'user' }
const REQ: RoleRequirement = { role: 'user', action: 'response.bid', capacityKw: 120 }

/** An attestation as the service sends it (integers as decimal strings) back as a RoleAttestation. */
function attestationOf(json: Record<string, string>): RoleAttestation {
  return {
    ...json,
    capacityW: BigInt(json.capacityW!),
    licensedW: BigInt(json.licensedW!),
    height: BigInt(json.height!),
    expiry: BigInt(json.expiry!),
  } as unknown as RoleAttestation
}

describe('the attestor service over HTTP, following the dev chain', { timeout: 60_000 }, () => {
  let w: LedgerWorld
  let index: ChainIndex
  let server: RunningServer
  let vp: string
  let revokedVp: string
  let beforeRevocation: number

  const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    fetch(`${server.url}/1.0/attestations`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) })
  const ask = (extra: Record<string, unknown> = {}) => ({
    presentation: vp,
    requirement: REQ,
    consumer: CONSUMER,
    challenge: CHALLENGE,
    terms: TERMS,
    ...extra,
  })

  beforeAll(async () => {
    w = await LedgerWorld.create()
    const user = await w.party('user-1')
    const other = await w.party('user-2')
    const vc = await w.issue('user', user.did)
    const doomed = await w.issue('user', other.did)
    vp = await w.present(user, [vc], AUDIENCE, CHALLENGE, termsDigest(TERMS))
    revokedVp = await w.present(other, [doomed], AUDIENCE, CHALLENGE, termsDigest(TERMS))
    beforeRevocation = await w.height()
    await w.status.revoke(doomed)
    // The attestor's own index, reading the chain over HTTP like a consortium member's node.
    index = new ChainIndex(join(w.dir, 'attestor.db'), new EvmLedger({ rpc: w.rpc.url, registry: w.registry, timeoutMs: 5_000 }), {
      create: true,
    })
    await index.sync()
    const attestor = createAttestor({ index, account: ACCOUNT, gate: GATE, chainId: 1337, trustRegistry: w.trustRegistry })
    server = await serve(createAttestorHandler({ attestor }), { port: 0, log: false })
  })

  afterAll(async () => {
    await server?.close()
    await index?.close()
    await w?.close()
  })

  it('signs an allowed decision at the synced height with the block time; the signature recovers to the attestor', async () => {
    const res = await post(ask())
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('application/json')
    const body = (await res.json()) as {
      attestation: Record<string, string>
      signature: Hex
      attestor: string
      typedData: { message: Record<string, string> }
      height: number
      time: number
    }
    const height = (await index.head()).height
    const time = await index.chain.blockTime(height)
    expect(body.height).toBe(height)
    expect(body.time).toBe(time)
    expect(body.attestor).toBe(ACCOUNT.address)
    expect(body.attestation).toMatchObject({
      consumer: CONSUMER,
      terms: termsDigest(TERMS),
      capacityW: '120000',
      licensedW: '0',
      height: String(height),
      expiry: String(time + 600),
    })
    expect(body.typedData.message).toEqual(body.attestation)
    const recovered = await recoverAttestors({ chainId: 1337, gate: GATE }, attestationOf(body.attestation), [body.signature])
    expect(recovered).toEqual([ACCOUNT.address])
    // The same request again: the same bytes (nothing depends on the attestor's clock).
    const again = (await (await post(ask())).json()) as typeof body
    expect(again.signature).toBe(body.signature)
    // The terms' digest in place of the terms: the same decision.
    const byDigest = (await (await post(ask({ terms: undefined, binding: termsDigest(TERMS) }))).json()) as typeof body
    expect(byDigest.signature).toBe(body.signature)
    const both = await post(ask({ binding: termsDigest(TERMS) }))
    expect(both.status).toBe(400)
    expect(await both.json()).toMatchObject({ error: 'ERR_GRID_BAD_REQUEST', detail: 'give terms or binding, not both' })
    // An earlier expiry is signed as asked; a later one than the block time + 600 is refused as malformed.
    const early = (await (await post(ask({ expiry: time + 60 }))).json()) as typeof body
    expect(early.attestation.expiry).toBe(String(time + 60))
    const late = await post(ask({ expiry: time + 601 }))
    expect(late.status).toBe(400)
    expect(await late.json()).toMatchObject({
      error: 'ERR_GRID_BAD_REQUEST',
      detail: `expiry must be after the block's time ${time} and at most ${time + 600} (maxTtlSeconds 600)`,
    })
  })

  it('GET /1.0/attestor and /health name the attestor and its synced height', async () => {
    const info = await (await fetch(`${server.url}/1.0/attestor`)).json()
    expect(info).toEqual({ address: ACCOUNT.address, chainId: 1337, gate: getAddress(GATE), height: (await index.head()).height })
    const health = await fetch(`${server.url}/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toEqual({ status: 'ok', height: (await index.head()).height })
  })

  it('refuses a revoked credential 403 with status-revoked, and other terms 403 with binding-mismatch', async () => {
    const revoked = await post(ask({ presentation: revokedVp }))
    expect(revoked.status).toBe(403)
    expect(revoked.headers.get('content-type')).toBe('application/problem+json')
    const height = (await index.head()).height
    expect(await revoked.json()).toEqual({
      type: 'about:blank',
      title: 'Forbidden',
      status: 403,
      detail: `the role check at height ${height} denied: status-revoked`,
      error: 'ERR_GRID_ATTESTATION_REFUSED',
      reasons: [{ code: 'status-revoked', message: expect.any(String) }],
      height,
    })
    // Before the revocation was anchored, the same presentation is attested.
    expect((await post(ask({ presentation: revokedVp, height: beforeRevocation }))).status).toBe(200)
    const mismatch = await post(ask({ terms: { ...TERMS, priceFen: 1300 } }))
    expect(mismatch.status).toBe(403)
    const body = (await mismatch.json()) as { error: string; reasons: { code: string }[] }
    expect(body.error).toBe('ERR_GRID_ATTESTATION_REFUSED')
    expect(body.reasons.map((r) => r.code)).toEqual(['binding-mismatch'])
  })

  it('answers malformed JSON and missing fields 400, another content type 415, an oversized body 413, with codes', async () => {
    const cases: [Response, number, string, string][] = [
      [await post('{"presentation":'), 400, 'ERR_GRID_BAD_REQUEST', 'the request body is not valid JSON'],
      [
        await post({ requirement: REQ, consumer: CONSUMER, challenge: CHALLENGE, terms: TERMS }),
        400,
        'ERR_GRID_BAD_REQUEST',
        'presentation is required and must be a string',
      ],
      [
        await post(ask({ terms: undefined })),
        400,
        'ERR_GRID_BAD_REQUEST',
        'terms (an object) or binding (their digest) is required: an attestation names the terms it authorises',
      ],
      [
        await post(ask({ nonce: 'x' })),
        400,
        'ERR_GRID_BAD_REQUEST',
        'unknown field "nonce"; known: presentation, requirement, consumer, challenge, terms, binding, height, expiry',
      ],
      [await post(ask({ consumer: '0x1234' })), 400, 'ERR_GRID_BAD_REQUEST', 'consumer must be an address'],
      [
        await post(JSON.stringify(ask()), { 'content-type': 'text/plain' }),
        415,
        'ERR_GRID_UNSUPPORTED_MEDIA_TYPE',
        'the request body must be application/json',
      ],
      [
        await post(ask({ presentation: 'x'.repeat(70_000) })),
        413,
        'ERR_GRID_BODY_TOO_LARGE',
        'the request body is larger than 65536 bytes',
      ],
    ]
    for (const [res, status, error, detail] of cases) {
      expect(res.status, detail).toBe(status)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
      expect(await res.json()).toEqual({ type: 'about:blank', title: expect.any(String), status, detail, error })
    }
    const get = await fetch(`${server.url}/1.0/attestations`)
    expect(get.status).toBe(405)
    expect(get.headers.get('allow')).toBe('POST')
    expect(await get.json()).toMatchObject({ error: 'ERR_GRID_METHOD_NOT_ALLOWED' })
    expect(await (await fetch(`${server.url}/1.0/identifiers/x`)).json()).toMatchObject({ status: 404, error: 'ERR_GRID_NOT_FOUND' })
  })

  it('a height above the synced one is 409 (retry), not a denial; createAttestor throws HeightNotReachedError', async () => {
    const synced = (await index.head()).height
    const res = await post(ask({ height: synced + 5 }))
    expect(res.status).toBe(409)
    expect(res.headers.get('retry-after')).toBe('1')
    expect(await res.json()).toMatchObject({ error: 'ERR_GRID_HEIGHT_NOT_REACHED', height: synced + 5, syncedHeight: synced })
    const attestor = createAttestor({ index, account: ACCOUNT, gate: GATE, chainId: 1337, trustRegistry: w.trustRegistry })
    const err = await attestor.attest(ask({ height: synced + 5 }) as never).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(HeightNotReachedError)
    expect((err as GridError).code).toBe('ERR_GRID_HEIGHT_NOT_REACHED')
    const refused = await attestor.attest(ask({ presentation: revokedVp }) as never).catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(AttestationRefusedError)
    expect((refused as GridError).code).toBe('ERR_GRID_ATTESTATION_REFUSED')
  })

  // Last: it stops the chain's JSON-RPC server.
  it('tolerates a presentation made a little after the last block (clockSkewSeconds, default 60), and no more', async () => {
    const user = await w.party('user-skew')
    const vc = await w.issue('user', user.did)
    await index.sync()
    const time = await index.chain.blockTime((await index.head()).height)
    const made = (issuedAt: number) =>
      createPresentation({
        holder: user.jwt,
        credentials: [vc],
        audience: AUDIENCE,
        challenge: CHALLENGE,
        binding: termsDigest(TERMS),
        issuedAt,
        validUntil: issuedAt + 3_600,
      })
    const attestor = createAttestor({ index, account: ACCOUNT, gate: GATE, chainId: 1337, trustRegistry: w.trustRegistry })
    const strict = createAttestor({
      index,
      account: ACCOUNT,
      gate: GATE,
      chainId: 1337,
      trustRegistry: w.trustRegistry,
      clockSkewSeconds: 0,
    })
    const soon = await made(time + 30)
    expect((await attestor.attest(ask({ presentation: soon }) as never)).decision.allowed).toBe(true)
    const tooSoon = (await strict.attest(ask({ presentation: soon }) as never).catch((e: unknown) => e)) as AttestationRefusedError
    expect(tooSoon).toBeInstanceOf(AttestationRefusedError)
    expect(tooSoon.reasons.map((r) => r.code)).toContain('presentation-not-yet-valid')
    const future = (await attestor
      .attest(ask({ presentation: await made(time + 61) }) as never)
      .catch((e: unknown) => e)) as AttestationRefusedError
    expect(future.code).toBe('ERR_GRID_ATTESTATION_REFUSED')
    expect(future.reasons.map((r) => r.code)).toContain('presentation-not-yet-valid')
  })

  it('with the chain unreachable the answer is 503 ERR_GRID_LEDGER_UNAVAILABLE, never a 403; the library throws the ledger error', async () => {
    await w.rpc.close()
    const res = await post(ask({ presentation: revokedVp }))
    expect(res.status).toBe(503)
    expect(res.headers.get('retry-after')).toBe('1')
    const body = (await res.json()) as { error: string; detail: string }
    expect(body.error).toBe('ERR_GRID_LEDGER_UNAVAILABLE')
    expect(body.detail).toMatch(/^the chain cannot be read: eth_getBlockByNumber failed/)
    const attestor = createAttestor({ index, account: ACCOUNT, gate: GATE, chainId: 1337, trustRegistry: w.trustRegistry })
    const err = await attestor.attest(ask() as never).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LedgerUnavailableError)
    expect((err as GridError).code).toBe('ERR_GRID_LEDGER_UNAVAILABLE')
    // Following the chain in the background now fails: /health says so (polled until the first sync has failed).
    index.start(20)
    let health: Response
    while ((health = await fetch(`${server.url}/health`)).status === 200) await new Promise((r) => setTimeout(r, 20))
    expect(health.status).toBe(503)
    expect(await health.json()).toEqual({ status: 'degraded', height: (await index.head()).height, error: expect.stringMatching(/failed/) })
  })

  it('createAttestor and createAttestorHandler check their options', () => {
    const base = { index, account: ACCOUNT, gate: GATE, chainId: 1337, trustRegistry: w.trustRegistry }
    expect(() => createAttestor({ ...base, index: w.resolver as never })).toThrow(
      new TypeError('index must be a ledger that follows a chain (a ChainIndex)'),
    )
    expect(() => createAttestor({ ...base, gate: '0x12' })).toThrow(new TypeError('gate must be an address'))
    expect(() => createAttestor({ ...base, chainId: 0 })).toThrow(new RangeError('chainId must be a positive integer'))
    expect(() => createAttestor({ ...base, maxTtlSeconds: 0 })).toThrow(new RangeError('maxTtlSeconds must be a positive integer'))
    expect(() => createAttestor({ ...base, clockSkewSeconds: 3601 })).toThrow(new RangeError('clockSkewSeconds must be 0-3600 seconds'))
    expect(() => createAttestor({ ...base, account: {} as never })).toThrow(new TypeError('account must be a viem LocalAccount'))
    expect(() => createAttestorHandler({ attestor: createAttestor(base), maxBodyBytes: 0 })).toThrow(
      new RangeError('options.maxBodyBytes must be a positive integer'),
    )
    expect(() => createAttestorHandler({} as never)).toThrow(new TypeError('options.attestor must be an Attestor (createAttestor)'))
  })
})
