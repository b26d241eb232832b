/**
 * The role gate contract itself (contracts/GridRoleGate.sol), spoken to directly with viem on an
 * in-process EVM (EDR): the committed artifact, k-of-n counting of distinct registered attestors over
 * the EIP-712 RoleAttestation, freshness, expiry, the consumer binding, per-consumer replay, malformed
 * signatures, admin governance, and the gas of a k = 3 `verify`.
 */
import {
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeDeployData,
  encodeFunctionData,
  getAddress,
  hashTypedData,
  keccak256,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { compileGate } from '../../scripts/registry-build.js'
import { createDevChain, type DevChain } from '../../src/ledger/devchain.js'
import { GATE_ARTIFACT } from '../../src/gate/gate-artifact.js'

const ABI = GATE_ARTIFACT.abi

// Fixed test keys (never used anywhere but this dev chain).
const key = (byte: string): Hex => `0x${byte.repeat(32)}`
const ADMIN = key('a1')
const CONSUMER = key('c1')
const OUTSIDER = key('0e')
const NEXT_ADMIN = key('a2')
const ATTESTORS = [key('11'), key('22'), key('33'), key('44')] as const
const STRANGER = key('55') // never registered
const addr = (k: Hex): Address => privateKeyToAccount(k).address
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

const TYPES = {
  RoleAttestation: [
    { name: 'consumer', type: 'address' },
    { name: 'subject', type: 'bytes32' },
    { name: 'actingFor', type: 'bytes32' },
    { name: 'role', type: 'bytes32' },
    { name: 'action', type: 'bytes32' },
    { name: 'capacityW', type: 'uint256' },
    { name: 'licensedW', type: 'uint256' },
    { name: 'terms', type: 'bytes32' },
    { name: 'presentation', type: 'bytes32' },
    { name: 'height', type: 'uint64' },
    { name: 'expiry', type: 'uint64' },
  ],
} as const

interface Attestation {
  consumer: Address
  subject: Hex
  actingFor: Hex
  role: Hex
  action: Hex
  capacityW: bigint
  licensedW: bigint
  terms: Hex
  presentation: Hex
  height: bigint
  expiry: bigint
}

interface RawLog {
  address: Hex
  topics: [Hex, ...Hex[]]
  data: Hex
}

interface Sent {
  status: Hex
  gasUsed: bigint
  blockNumber: number
  events: { eventName: string; args: Record<string, unknown> }[]
}

interface Gate {
  chain: DevChain
  address: Address
  deployEvents: Sent['events']
}

const open: DevChain[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((chain) => chain.close()))
})

async function newChain(chainId?: number): Promise<DevChain> {
  const chain = await createDevChain(chainId === undefined ? {} : { chainId })
  open.push(chain)
  return chain
}

async function sendRaw(chain: DevChain, from: Hex, to: Address | undefined, data: Hex): Promise<Sent & { contractAddress: Hex | null }> {
  const account = privateKeyToAccount(from)
  const nonce = Number(await chain.request({ method: 'eth_getTransactionCount', params: [account.address, 'pending'] }))
  const raw = await account.signTransaction({
    type: 'legacy',
    chainId: chain.chainId,
    nonce,
    gas: 10_000_000n,
    gasPrice: 0n,
    ...(to ? { to } : {}),
    data,
    value: 0n,
  })
  const hash = (await chain.request({ method: 'eth_sendRawTransaction', params: [raw] })) as Hex
  const receipt = (await chain.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as {
    status: Hex
    gasUsed: Hex
    blockNumber: Hex
    contractAddress: Hex | null
    logs: RawLog[]
  }
  expect(receipt).not.toBeNull()
  return {
    status: receipt.status,
    gasUsed: BigInt(receipt.gasUsed),
    blockNumber: Number(receipt.blockNumber),
    contractAddress: receipt.contractAddress,
    events: receipt.logs.map((log) => {
      const { eventName, args } = decodeEventLog({ abi: ABI, topics: log.topics, data: log.data })
      return { eventName, args: { ...(args as Record<string, unknown>) } }
    }),
  }
}

async function deployGate(chain: DevChain, attestors: readonly Hex[] = ATTESTORS, threshold = 3n, maxAge = 100n): Promise<Gate> {
  const data = encodeDeployData({ abi: ABI, bytecode: GATE_ARTIFACT.bytecode as Hex, args: [attestors.map(addr), threshold, maxAge] })
  const sent = await sendRaw(chain, ADMIN, undefined, data)
  expect(sent.status).toBe('0x1')
  return { chain, address: getAddress(sent.contractAddress!), deployEvents: sent.events }
}

async function fresh(): Promise<Gate> {
  return deployGate(await newChain())
}

async function send(gate: Gate, from: Hex, functionName: string, args: readonly unknown[] = []): Promise<Sent> {
  return sendRaw(gate.chain, from, gate.address, encodeFunctionData({ abi: ABI, functionName, args } as never))
}

async function call(gate: Gate, from: Address | undefined, functionName: string, args: readonly unknown[] = []): Promise<unknown> {
  const data = encodeFunctionData({ abi: ABI, functionName, args } as never)
  const result = (await gate.chain.request({
    method: 'eth_call',
    params: [{ ...(from ? { from } : {}), to: gate.address, data }, 'latest'],
  })) as Hex
  return decodeFunctionResult({ abi: ABI, functionName, data: result } as never)
}

/** `eth_call` as `from` that must revert; its custom error, decoded. */
async function revert(
  gate: Gate,
  from: Address,
  functionName: string,
  args: readonly unknown[] = [],
): Promise<{ errorName: string; args: readonly unknown[] }> {
  let caught: unknown
  try {
    await call(gate, from, functionName, args)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(Error)
  const err = caught as Error & { code?: unknown; data?: unknown }
  expect(err.code).toBe(3)
  expect(err.message).toMatch(/^execution reverted/)
  expect(err.data).toMatch(/^0x[0-9a-f]{8}/)
  const { errorName, args: decoded } = decodeErrorResult({ abi: ABI, data: err.data as Hex })
  return { errorName, args: decoded ?? [] }
}

async function head(chain: DevChain): Promise<{ number: bigint; timestamp: bigint }> {
  const block = (await chain.request({ method: 'eth_getBlockByNumber', params: ['latest', false] })) as { number: Hex; timestamp: Hex }
  return { number: BigInt(block.number), timestamp: BigInt(block.timestamp) }
}

async function mine(chain: DevChain, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await chain.request({ method: 'evm_mine', params: [] })
}

const h = (text: string): Hex => keccak256(toHex(text))
let serial = 0

/** An attestation for CONSUMER at the chain's current height, valid for a day (override anything). */
async function attestation(gate: Gate, overrides: Partial<Attestation> = {}): Promise<Attestation> {
  const now = await head(gate.chain)
  return {
    consumer: addr(CONSUMER),
    subject: h('did:grid:z6MkAggregator'),
    actingFor: h('did:grid:z6MkUser'),
    role: h('aggregator'),
    action: h('response.bid'),
    capacityW: 250_000n,
    licensedW: 50_000_000n,
    terms: `0x${'7a'.repeat(32)}`,
    presentation: h(`presentation-jwt-${serial++}`),
    height: now.number,
    expiry: now.timestamp + 86_400n,
    ...overrides,
  }
}

function sign(signer: Hex, a: Attestation, domain: { chainId: number; verifyingContract: Address }): Promise<Hex> {
  return privateKeyToAccount(signer).signTypedData({
    domain: { name: 'GridRoleGate', version: '1', ...domain },
    types: TYPES,
    primaryType: 'RoleAttestation',
    message: a,
  })
}

const signAll = (gate: Gate, a: Attestation, signers: readonly Hex[]): Promise<Hex[]> =>
  Promise.all(signers.map((s) => sign(s, a, { chainId: gate.chain.chainId, verifyingContract: gate.address })))

const count = async (gate: Gate, a: Attestation, sigs: readonly Hex[]): Promise<bigint> =>
  (await call(gate, undefined, 'check', [a, sigs])) as bigint

describe('GridRoleGate: artifact', () => {
  it('the committed artifact equals a fresh compile (solc 0.8.37, paris, optimizer 200)', () => {
    const compiled = compileGate('paris')
    expect(GATE_ARTIFACT).toEqual(compiled)
    expect(GATE_ARTIFACT.evmVersion).toBe('paris')
    expect(GATE_ARTIFACT.optimizer).toEqual({ enabled: true, runs: 200 })
    expect(GATE_ARTIFACT.compiler).toMatch(/^solc 0\.8\.37\+/)
  })
})

describe('GridRoleGate: verify', () => {
  it('accepts k = 3 distinct registered signers, emits RoleAttested, marks the presentation used (and states its gas)', async () => {
    const gate = await fresh()
    const a = await attestation(gate)
    const sigs = await signAll(gate, a, ATTESTORS.slice(0, 3))
    expect(await count(gate, a, sigs)).toBe(3n)
    expect(await call(gate, undefined, 'used', [a.consumer, a.presentation])).toBe(false)
    const sent = await send(gate, CONSUMER, 'verify', [a, sigs])
    expect(sent.status).toBe('0x1')
    expect(sent.events).toEqual([
      {
        eventName: 'RoleAttested',
        args: { consumer: a.consumer, presentation: a.presentation, subject: a.subject, role: a.role, action: a.action, height: a.height },
      },
    ])
    expect(await call(gate, undefined, 'used', [a.consumer, a.presentation])).toBe(true)
    // The gas of a successful k = 3 verify (a whole transaction: 21,000 + calldata + execution).
    console.log(`GridRoleGate.verify gas, k = 3 of 4: ${sent.gasUsed}`)
    expect(sent.gasUsed).toBeLessThan(100_000n)
  })

  it("the digest the attestors sign is the contract's own EIP-712 hash (domain: this chain, this gate)", async () => {
    const gate = await fresh()
    const a = await attestation(gate)
    const expected = hashTypedData({
      domain: { name: 'GridRoleGate', version: '1', chainId: gate.chain.chainId, verifyingContract: gate.address },
      types: TYPES,
      primaryType: 'RoleAttestation',
      message: a,
    })
    expect(await call(gate, undefined, 'hashAttestation', [a])).toBe(expected)
  })

  it('refuses fewer than k signers with NotEnoughSignatures(have, need)', async () => {
    const gate = await fresh()
    const a = await attestation(gate)
    const sigs = await signAll(gate, a, ATTESTORS.slice(0, 2))
    expect(await revert(gate, addr(CONSUMER), 'verify', [a, sigs])).toEqual({ errorName: 'NotEnoughSignatures', args: [2n, 3n] })
    expect(await revert(gate, addr(CONSUMER), 'verify', [a, []])).toEqual({ errorName: 'NotEnoughSignatures', args: [0n, 3n] })
    const mined = await send(gate, CONSUMER, 'verify', [a, sigs])
    expect(mined.status).toBe('0x0')
    expect(await call(gate, undefined, 'used', [a.consumer, a.presentation])).toBe(false)
  })

  it('counts a duplicate signer once (the same signature twice, and two signatures of one key)', async () => {
    const gate = await fresh()
    const a = await attestation(gate)
    const [s1, s2] = await signAll(gate, a, ATTESTORS.slice(0, 2))
    // Signing is deterministic (RFC 6979), so a second signature of one key is the same bytes; both kinds are the same signer.
    expect(await count(gate, a, [s1!, s2!, s1!])).toBe(2n)
    expect(await count(gate, a, [s1!, s1!, s1!, s1!])).toBe(1n)
    expect(await revert(gate, addr(CONSUMER), 'verify', [a, [s1!, s2!, s2!]])).toEqual({ errorName: 'NotEnoughSignatures', args: [2n, 3n] })
  })

  it('does not count an unregistered or a removed attestor', async () => {
    const gate = await fresh()
    const a = await attestation(gate)
    const [s1, s2, , s4] = await signAll(gate, a, ATTESTORS)
    const [stranger] = await signAll(gate, a, [STRANGER])
    expect(await count(gate, a, [s1!, s2!, stranger!])).toBe(2n)
    expect(await revert(gate, addr(CONSUMER), 'verify', [a, [s1!, s2!, stranger!]])).toEqual({
      errorName: 'NotEnoughSignatures',
      args: [2n, 3n],
    })
    // Before its removal the fourth attestor counts; after it, not.
    expect(await count(gate, a, [s1!, s2!, s4!])).toBe(3n)
    const removed = await send(gate, ADMIN, 'removeAttestor', [addr(ATTESTORS[3])])
    expect(removed.status).toBe('0x1')
    expect(removed.events).toEqual([{ eventName: 'AttestorRemoved', args: { attestor: addr(ATTESTORS[3]), by: addr(ADMIN) } }])
    expect(await call(gate, undefined, 'isAttestor', [addr(ATTESTORS[3])])).toBe(false)
    expect(await call(gate, undefined, 'attestorCount')).toBe(3n)
    expect(await count(gate, a, [s1!, s2!, s4!])).toBe(2n)
    expect(await revert(gate, addr(CONSUMER), 'verify', [a, [s1!, s2!, s4!]])).toEqual({ errorName: 'NotEnoughSignatures', args: [2n, 3n] })
  })

  it('does not count signatures over different terms (front-running with changed terms)', async () => {
    const gate = await fresh()
    const signed = await attestation(gate)
    const sigs = await signAll(gate, signed, ATTESTORS.slice(0, 3))
    const changed = { ...signed, terms: `0x${'7b'.repeat(32)}` as Hex }
    expect(await count(gate, signed, sigs)).toBe(3n)
    expect(await count(gate, changed, sigs)).toBe(0n)
    expect(await revert(gate, addr(CONSUMER), 'verify', [changed, sigs])).toEqual({ errorName: 'NotEnoughSignatures', args: [0n, 3n] })
    // Other fields are bound too: a larger capacity, a larger licence, another user acted for.
    expect(await count(gate, { ...signed, capacityW: signed.capacityW + 1n }, sigs)).toBe(0n)
    expect(await count(gate, { ...signed, licensedW: signed.licensedW + 1n }, sigs)).toBe(0n)
    expect(await count(gate, { ...signed, actingFor: h('did:grid:z6MkOther') }, sigs)).toBe(0n)
  })

  it('refuses a replayed presentation for the same consumer with Replayed', async () => {
    const gate = await fresh()
    const a = await attestation(gate)
    const sigs = await signAll(gate, a, ATTESTORS.slice(0, 3))
    expect((await send(gate, CONSUMER, 'verify', [a, sigs])).status).toBe('0x1')
    expect(await revert(gate, addr(CONSUMER), 'verify', [a, sigs])).toEqual({ errorName: 'Replayed', args: [a.consumer, a.presentation] })
    const again = await send(gate, CONSUMER, 'verify', [a, sigs])
    expect(again.status).toBe('0x0')
    expect(again.events).toEqual([])
  })

  it('refuses an expired attestation (Expired) and one older than maxAge blocks (TooOld)', async () => {
    const gate = await fresh()
    const now = await head(gate.chain)
    const expired = await attestation(gate, { expiry: now.timestamp - 1n })
    const e = await revert(gate, addr(CONSUMER), 'verify', [expired, await signAll(gate, expired, ATTESTORS.slice(0, 3))])
    expect(e.errorName).toBe('Expired')
    expect(e.args[0]).toBe(now.timestamp - 1n)
    expect(e.args[1] as bigint).toBeGreaterThan(now.timestamp - 1n)

    const old = await attestation(gate, { height: now.number })
    const oldSigs = await signAll(gate, old, ATTESTORS.slice(0, 3))
    await mine(gate.chain, 101)
    const t = await revert(gate, addr(CONSUMER), 'verify', [old, oldSigs])
    expect(t.errorName).toBe('TooOld')
    expect(t.args[0]).toBe(now.number)
    expect((t.args[1] as bigint) - now.number).toBeGreaterThan(100n)
    expect(t.args[2]).toBe(100n)
    // Within the bound (the same signers, a decision 100 blocks old when mined) it is accepted.
    const fresher = await attestation(gate)
    await mine(gate.chain, 99) // mined in the 100th block after `fresher.height`
    expect((await send(gate, CONSUMER, 'verify', [fresher, await signAll(gate, fresher, ATTESTORS.slice(0, 3))])).status).toBe('0x1')
  })

  it('refuses a height above the current block with HeightAhead', async () => {
    const gate = await fresh()
    const now = await head(gate.chain)
    const ahead = await attestation(gate, { height: now.number + 10n })
    const r = await revert(gate, addr(CONSUMER), 'verify', [ahead, await signAll(gate, ahead, ATTESTORS.slice(0, 3))])
    expect(r.errorName).toBe('HeightAhead')
    expect(r.args[0]).toBe(now.number + 10n)
    expect(r.args[1] as bigint).toBeLessThan(now.number + 10n)
  })

  it('refuses a call from another account than a.consumer with WrongConsumer', async () => {
    const gate = await fresh()
    const a = await attestation(gate)
    const sigs = await signAll(gate, a, ATTESTORS.slice(0, 3))
    expect(await revert(gate, addr(OUTSIDER), 'verify', [a, sigs])).toEqual({
      errorName: 'WrongConsumer',
      args: [addr(OUTSIDER), a.consumer],
    })
    // Re-addressing the attestation to the caller breaks the signatures.
    const readdressed = { ...a, consumer: addr(OUTSIDER) }
    expect(await revert(gate, addr(OUTSIDER), 'verify', [readdressed, sigs])).toEqual({ errorName: 'NotEnoughSignatures', args: [0n, 3n] })
  })

  it('does not count signatures over another domain: another chain id, another gate address', async () => {
    const gate = await fresh()
    const other = await deployGate(gate.chain)
    const a = await attestation(gate)
    const signers = ATTESTORS.slice(0, 3)
    const wrongChain = await Promise.all(
      signers.map((s) => sign(s, a, { chainId: gate.chain.chainId + 1, verifyingContract: gate.address })),
    )
    const otherGate = await signAll(other, a, signers)
    expect(await count(gate, a, wrongChain)).toBe(0n)
    expect(await count(gate, a, otherGate)).toBe(0n)
    expect(await count(other, a, otherGate)).toBe(3n) // they are valid where they were meant
    expect(await revert(gate, addr(CONSUMER), 'verify', [a, otherGate])).toEqual({ errorName: 'NotEnoughSignatures', args: [0n, 3n] })

    // The same gate bytecode on a chain with another id: the chain's own id is in the domain.
    const chainB = await newChain(4242)
    const gateB = await deployGate(chainB)
    const b = await attestation(gateB)
    const signedFor1337 = await Promise.all(
      signers.map((s) => sign(s, b, { chainId: gate.chain.chainId, verifyingContract: gateB.address })),
    )
    expect(await count(gateB, b, signedFor1337)).toBe(0n)
    expect(await count(gateB, b, await signAll(gateB, b, signers))).toBe(3n)
  })

  it('refuses malformed signatures with BadSignature(index): wrong length, high s, bad v, r = 0', async () => {
    const gate = await fresh()
    const a = await attestation(gate)
    const [good, s2] = await signAll(gate, a, ATTESTORS.slice(0, 2))
    const r = good!.slice(2, 66)
    const s = BigInt(`0x${good!.slice(66, 130)}`)
    const v = Number.parseInt(good!.slice(130, 132), 16)
    const sig = (rr: string, ss: bigint, vv: number): Hex =>
      `0x${rr}${ss.toString(16).padStart(64, '0')}${vv.toString(16).padStart(2, '0')}`
    expect(sig(r, s, v)).toBe(good) // the splitting is right
    const malleable = sig(r, SECP256K1_N - s, v === 27 ? 28 : 27) // the same signer, high s
    const cases: [string, Hex][] = [
      ['64 bytes', good!.slice(0, 130) as Hex],
      ['66 bytes', `${good!}00` as Hex],
      ['empty', '0x'],
      ['high s', malleable],
      ['v = 0', sig(r, s, v - 27)],
      ['v = 29', sig(r, s, 29)],
      ['r = 0', sig('0'.repeat(64), s, v)],
    ]
    for (const [, bad] of cases) {
      expect(await revert(gate, addr(CONSUMER), 'verify', [a, [s2!, bad]])).toEqual({ errorName: 'BadSignature', args: [1n] })
      expect(await revert(gate, addr(CONSUMER), 'check', [a, [bad]])).toEqual({ errorName: 'BadSignature', args: [0n] })
    }
  })
})

describe('GridRoleGate: admin', () => {
  it('deployment emits the admin, every attestor, the threshold and maxAge', async () => {
    const gate = await fresh()
    const by = addr(ADMIN)
    expect(gate.deployEvents).toEqual([
      { eventName: 'AdminTransferred', args: { previous: zeroAddress, current: by } },
      ...ATTESTORS.map((k) => ({ eventName: 'AttestorAdded', args: { attestor: addr(k), by } })),
      { eventName: 'ThresholdSet', args: { threshold: 3n, by } },
      { eventName: 'MaxAgeSet', args: { maxAge: 100n, by } },
    ])
    expect(await call(gate, undefined, 'admin')).toBe(by)
    expect(await call(gate, undefined, 'threshold')).toBe(3n)
    expect(await call(gate, undefined, 'maxAge')).toBe(100n)
    expect(await call(gate, undefined, 'attestorCount')).toBe(4n)
  })

  it('refuses a deployment with a bad threshold, a zero maxAge or a zero attestor', async () => {
    const chain = await newChain()
    const deploy = (attestors: Address[], k: bigint, maxAge: bigint) =>
      sendRaw(
        chain,
        ADMIN,
        undefined,
        encodeDeployData({ abi: ABI, bytecode: GATE_ARTIFACT.bytecode as Hex, args: [attestors, k, maxAge] }),
      )
    const four = ATTESTORS.map(addr)
    expect((await deploy(four, 0n, 100n)).status).toBe('0x0')
    expect((await deploy(four, 5n, 100n)).status).toBe('0x0')
    expect((await deploy(four, 3n, 0n)).status).toBe('0x0')
    expect((await deploy([...four, zeroAddress], 3n, 100n)).status).toBe('0x0')
    expect((await deploy(four, 4n, 1n)).status).toBe('0x1')
  })

  it('only the admin changes the attestors, threshold and maxAge (NotAdmin), with events; BadThreshold, BadMaxAge, ZeroAddress', async () => {
    const gate = await fresh()
    const outsider = addr(OUTSIDER)
    for (const [fn, args] of [
      ['addAttestor', [addr(STRANGER)]],
      ['removeAttestor', [addr(ATTESTORS[0])]],
      ['setThreshold', [2n]],
      ['setMaxAge', [10n]],
      ['transferAdmin', [outsider]],
    ] as const) {
      expect(await revert(gate, outsider, fn, args)).toEqual({ errorName: 'NotAdmin', args: [outsider] })
    }
    const admin = addr(ADMIN)
    expect(await revert(gate, admin, 'setThreshold', [0n])).toEqual({ errorName: 'BadThreshold', args: [0n, 4n] })
    expect(await revert(gate, admin, 'setThreshold', [5n])).toEqual({ errorName: 'BadThreshold', args: [5n, 4n] })
    expect(await revert(gate, admin, 'setMaxAge', [0n])).toEqual({ errorName: 'BadMaxAge', args: [] })
    expect(await revert(gate, admin, 'addAttestor', [zeroAddress])).toEqual({ errorName: 'ZeroAddress', args: [] })

    const added = await send(gate, ADMIN, 'addAttestor', [addr(STRANGER)])
    expect(added.events).toEqual([{ eventName: 'AttestorAdded', args: { attestor: addr(STRANGER), by: admin } }])
    expect((await send(gate, ADMIN, 'addAttestor', [addr(STRANGER)])).events).toEqual([]) // already registered: no event
    expect((await send(gate, ADMIN, 'setThreshold', [5n])).events).toEqual([
      { eventName: 'ThresholdSet', args: { threshold: 5n, by: admin } },
    ])
    // Removing an attestor may not leave fewer than the threshold.
    expect(await revert(gate, admin, 'removeAttestor', [addr(STRANGER)])).toEqual({ errorName: 'BadThreshold', args: [5n, 4n] })
    expect((await send(gate, ADMIN, 'setThreshold', [4n])).status).toBe('0x1')
    expect((await send(gate, ADMIN, 'removeAttestor', [addr(STRANGER)])).events).toEqual([
      { eventName: 'AttestorRemoved', args: { attestor: addr(STRANGER), by: admin } },
    ])
    expect((await send(gate, ADMIN, 'removeAttestor', [addr(STRANGER)])).events).toEqual([]) // not registered: no event
    expect((await send(gate, ADMIN, 'setMaxAge', [7n])).events).toEqual([{ eventName: 'MaxAgeSet', args: { maxAge: 7n, by: admin } }])
    expect(await call(gate, undefined, 'maxAge')).toBe(7n)

    // The new threshold governs verify.
    const a = await attestation(gate)
    expect(await revert(gate, addr(CONSUMER), 'verify', [a, await signAll(gate, a, ATTESTORS.slice(0, 3))])).toEqual({
      errorName: 'NotEnoughSignatures',
      args: [3n, 4n],
    })
  })

  it('transfers the admin role in two steps (AdminTransferStarted, NotPendingAdmin, AdminTransferred)', async () => {
    const gate = await fresh()
    const [admin, next, outsider] = [addr(ADMIN), addr(NEXT_ADMIN), addr(OUTSIDER)]
    expect(await revert(gate, admin, 'transferAdmin', [zeroAddress])).toEqual({ errorName: 'ZeroAddress', args: [] })
    const started = await send(gate, ADMIN, 'transferAdmin', [next])
    expect(started.events).toEqual([{ eventName: 'AdminTransferStarted', args: { current: admin, pending: next } }])
    expect(await call(gate, undefined, 'pendingAdmin')).toBe(next)
    // Until accepted, the old admin governs and the pending one does not.
    expect(await revert(gate, next, 'setMaxAge', [5n])).toEqual({ errorName: 'NotAdmin', args: [next] })
    expect(await revert(gate, outsider, 'acceptAdmin')).toEqual({ errorName: 'NotPendingAdmin', args: [outsider] })
    const accepted = await send(gate, NEXT_ADMIN, 'acceptAdmin')
    expect(accepted.events).toEqual([{ eventName: 'AdminTransferred', args: { previous: admin, current: next } }])
    expect(await call(gate, undefined, 'admin')).toBe(next)
    expect(await call(gate, undefined, 'pendingAdmin')).toBe(zeroAddress)
    expect(await revert(gate, admin, 'setMaxAge', [5n])).toEqual({ errorName: 'NotAdmin', args: [admin] })
    expect((await send(gate, NEXT_ADMIN, 'setMaxAge', [5n])).status).toBe('0x1')
  })
})
