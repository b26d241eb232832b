/**
 * Governing a deployed gate from the package (readGate, addAttestor, removeAttestor, setThreshold,
 * setMaxAge) on the in-process dev chain, and checking attestations off chain (verifyAttestation).
 */
import { decodeEventLog, keccak256, stringToBytes, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GATE_ARTIFACT,
  addAttestor,
  deployGate,
  readGate,
  removeAttestor,
  roleAttestationTypedData,
  setMaxAge,
  setThreshold,
  verifyAttestation,
  type RoleAttestation,
} from 'grid-did/gate'
import { GridError, LedgerForbiddenError, LedgerRejectedError } from '../../src/index.js'
import { createDevChain, type DevChain } from '../../src/ledger/devchain.js'

const key = (byte: string): Hex => `0x${byte.repeat(32)}`
const ADMIN = key('a1')
const OUTSIDER = privateKeyToAccount(key('0e'))
const ATTESTORS = ['11', '22', '33', '44'].map((b) => privateKeyToAccount(key(b)))
const FIFTH = privateKeyToAccount(key('55'))

async function failure(promise: Promise<unknown>): Promise<GridError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(err).toBeInstanceOf(GridError)
  return err as GridError
}

describe('gate governance from the package', { timeout: 60_000 }, () => {
  let chain: DevChain
  let gate: Address

  beforeAll(async () => {
    chain = await createDevChain()
    gate = (await deployGate({ rpc: chain, account: ADMIN, attestors: ATTESTORS.map((a) => a.address), threshold: 3, maxAgeBlocks: 20 }))
      .address
  })
  afterAll(() => chain?.close())

  it('readGate reads the admin, the attestors (from their events), the threshold and the maximum age', async () => {
    expect(await readGate({ rpc: chain, gate })).toEqual({
      gate,
      admin: privateKeyToAccount(ADMIN).address,
      attestors: ATTESTORS.map((a) => a.address),
      threshold: 3,
      maxAge: 20,
    })
  })

  it('the admin adds and removes attestors and sets the threshold and the maximum age; each change is an event read back', async () => {
    const target = { rpc: chain, account: ADMIN, gate }
    const added = await addAttestor(target, FIFTH.address)
    expect((await readGate({ rpc: chain, gate })).attestors).toEqual([...ATTESTORS.map((a) => a.address), FIFTH.address])
    await removeAttestor(target, ATTESTORS[0]!.address)
    await setThreshold(target, 4)
    await setMaxAge(target, 5)
    expect(await readGate({ rpc: chain, gate, fromBlock: added.blockNumber })).toEqual({
      gate,
      admin: privateKeyToAccount(ADMIN).address,
      attestors: [FIFTH.address], // only the window from the addition's block was read
      threshold: 4,
      maxAge: 5,
    })
    const state = await readGate({ rpc: chain, gate })
    expect(state.attestors).toEqual([...ATTESTORS.slice(1).map((a) => a.address), FIFTH.address])
    // The governance events of the gate since the addition, decoded with its ABI.
    const logs = (await chain.request({
      method: 'eth_getLogs',
      params: [{ address: gate, fromBlock: `0x${added.blockNumber.toString(16)}`, toBlock: 'latest' }],
    })) as { topics: [Hex, ...Hex[]]; data: Hex }[]
    const events = logs.map(
      (l) =>
        decodeEventLog({ abi: GATE_ARTIFACT.abi, topics: l.topics, data: l.data }) as { eventName: string; args: Record<string, unknown> },
    )
    const admin = privateKeyToAccount(ADMIN).address
    expect(events.map((e) => [e.eventName, e.args])).toEqual([
      ['AttestorAdded', { attestor: FIFTH.address, by: admin }],
      ['AttestorRemoved', { attestor: ATTESTORS[0]!.address, by: admin }],
      ['ThresholdSet', { threshold: 4n, by: admin }],
      ['MaxAgeSet', { maxAge: 5n, by: admin }],
    ])
    // Back to the first state for the other tests.
    await setThreshold(target, 3)
    await addAttestor(target, ATTESTORS[0]!.address)
    await removeAttestor(target, FIFTH.address)
    await setMaxAge(target, 20)
  })

  it('a non-admin is refused NotAdmin (decoded) and nothing is sent; a change the gate refuses is named', async () => {
    const before = await chain.request({ method: 'eth_blockNumber' })
    const notAdmin = await failure(addAttestor({ rpc: chain, account: OUTSIDER, gate }, FIFTH.address))
    expect(notAdmin).toBeInstanceOf(LedgerForbiddenError)
    expect(notAdmin.code).toBe('ERR_GRID_LEDGER_FORBIDDEN')
    expect(notAdmin.message).toBe(`account ${OUTSIDER.address} is not the admin of gate ${gate} (NotAdmin(${OUTSIDER.address}))`)
    const tooHigh = await failure(setThreshold({ rpc: chain, account: ADMIN, gate }, 5))
    expect(tooHigh).toBeInstanceOf(LedgerRejectedError)
    expect(tooHigh.code).toBe('ERR_GRID_LEDGER_REJECTED')
    expect(tooHigh.message).toBe(`gate ${gate} refused setThreshold: BadThreshold(5, 4)`)
    expect(await chain.request({ method: 'eth_blockNumber' })).toBe(before)
    expect(() => setThreshold({ rpc: chain, account: ADMIN, gate }, 0)).toThrow(new RangeError('threshold must be a positive integer'))
    expect(() => addAttestor({ rpc: chain, account: ADMIN, gate }, '0x12')).toThrow(
      new TypeError('attestor must be a 0x-prefixed 20-byte address'),
    )
    const nothing = await failure(readGate({ rpc: chain, gate: FIFTH.address }))
    expect(nothing.code).toBe('ERR_GRID_LEDGER_UNAVAILABLE')
    expect(nothing.message).toBe(`no contract at ${FIFTH.address}`)
  })
})

describe('verifyAttestation (off chain)', () => {
  const domain = { chainId: 1337, gate: '0x5FbDB2315678afecb367f032d93F642f64180aa3' as Address }
  const h = (s: string) => keccak256(stringToBytes(s))
  const attestation: RoleAttestation = {
    consumer: '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512',
    subject: h('did:grid:test:subject'),
    actingFor: h('did:grid:test:subject'),
    role: h('user'),
    action: h('response.bid'),
    capacityW: 120_000n,
    licensedW: 0n,
    terms: h('terms'),
    presentation: h('vp'),
    height: 100n,
    expiry: 2_000_000_000n,
  }
  const sign = (account: (typeof ATTESTORS)[number], a: RoleAttestation = attestation) =>
    account.signTypedData(roleAttestationTypedData(domain, a) as never)
  const registered = ATTESTORS.map((a) => a.address)

  it('counts distinct registered signers against the threshold', async () => {
    const [s1, s2, s3] = await Promise.all(ATTESTORS.slice(0, 3).map((a) => sign(a)))
    expect(await verifyAttestation(domain, attestation, [s1!, s2!, s3!], { attestors: registered, threshold: 3 })).toEqual({
      ok: true,
      signers: registered.slice(0, 3),
      reasons: [],
    })
    const twice = await verifyAttestation(domain, attestation, [s1!, s2!, s1!, await sign(FIFTH)], { attestors: registered, threshold: 3 })
    expect(twice).toEqual({
      ok: false,
      signers: registered.slice(0, 2),
      reasons: [{ code: 'not-enough-signatures', message: '2 distinct registered attestors signed; the gate needs 3' }],
    })
    // A signature over other terms recovers another address: not counted.
    const other = await sign(ATTESTORS[2]!, { ...attestation, terms: h('other terms') })
    expect((await verifyAttestation(domain, attestation, [s1!, s2!, other], { attestors: registered, threshold: 3 })).signers).toEqual(
      registered.slice(0, 2),
    )
  })

  it('reports freshness, expiry and a signature the gate refuses with the gate errors as codes', async () => {
    const sigs = await Promise.all(ATTESTORS.slice(0, 3).map((a) => sign(a)))
    const base = { attestors: registered, threshold: 3, maxAge: 20 }
    expect((await verifyAttestation(domain, attestation, sigs, { ...base, blockNumber: 99 })).reasons).toEqual([
      { code: 'height-ahead', message: 'decided at height 100, above block 99' },
    ])
    expect((await verifyAttestation(domain, attestation, sigs, { ...base, blockNumber: 121 })).reasons).toEqual([
      { code: 'too-old', message: 'decided at height 100, more than 20 blocks before block 121' },
    ])
    expect((await verifyAttestation(domain, attestation, sigs, { ...base, blockNumber: 120, time: 2_000_000_000 })).ok).toBe(true)
    expect((await verifyAttestation(domain, attestation, sigs, { ...base, time: 2_000_000_001 })).reasons).toEqual([
      { code: 'expired', message: 'expired at 2000000000, before 2000000001' },
    ])
    const highS = `${sigs[0]!.slice(0, 66)}${'f'.repeat(64)}${sigs[0]!.slice(130)}` as Hex
    const bad = await verifyAttestation(domain, attestation, [highS, sigs[1]!, sigs[2]!], base)
    expect(bad.ok).toBe(false)
    expect(bad.reasons.map((r) => r.code)).toEqual(['bad-signature', 'not-enough-signatures'])
    await expect(verifyAttestation(domain, attestation, sigs, { attestors: registered, threshold: 0 })).rejects.toThrow(
      new RangeError('options.threshold must be a positive integer'),
    )
  })
})
