/**
 * The reference settlement contract (contracts/Settlement.sol, `GridSettlement`) on an in-process EVM
 * with the real gate and demand-response contract: opening, the aggregators' `settlement.receive`
 * claims (every rule with its custom error), the example's subsidy rule computed on chain (fractional
 * hours and half-even ties, compared with examples/demand-response/settlement-contract.ts's
 * divideHalfEven), payees, and the Merkle root equal to the TS mirror `chainSettlementRoot`.
 */
import { encodeAbiParameters, keccak256, type Hex } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import { SETTLEMENT_ARTIFACT, chainClaimTerms, chainSettlementLeaf, chainSettlementRoot, type ChainSettlementRecord } from 'grid-did/gate'
import { divideHalfEven } from '../../examples/demand-response/settlement-contract.js'
import { compileSettlement } from '../../scripts/registry-build.js'
import { termsDigest, type RoleName } from '../../src/index.js'
import { ATTESTORS, BIDDER, ChainWorld, OPERATOR, OUTSIDER, addr, h } from './chain-world.js'

const worlds: ChainWorld[] = []
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()))
})

const AGG = 'did:grid:z6MkAggregatorA'
const AGG2 = 'did:grid:z6MkAggregatorB'
const SECONDS = 3609 // one hour and nine seconds: 1 kW commits 1,002.5 Wh, a half-even tie
const CAP = 1500
const OTHER_SECONDS = 5400 // ninety minutes: 1 kW commits 1,500 Wh

interface Planned {
  role: RoleName
  subject: string
  actingFor?: string
  capacityKw: number
  priceFen: number
  deliveredKwh?: number
}

// In bid order. Ties: bid 1 (1,002.5 Wh → 1,002; 250.5 fen → 250), bid 3 (751.5 fen → 752),
// bid 5 (7,017.5 Wh → 7,018), bid 7 (3,007.5 fen → 3,008). Bid 4 delivered under half: nothing.
const PLAN: Planned[] = [
  { role: 'user', subject: 'did:grid:z6MkU1', capacityKw: 1, priceFen: 250, deliveredKwh: 2 },
  { role: 'user', subject: 'did:grid:z6MkU2', capacityKw: 3, priceFen: 750, deliveredKwh: 4 },
  { role: 'aggregator', subject: AGG, actingFor: 'did:grid:z6MkU3', capacityKw: 1, priceFen: 750, deliveredKwh: 5 }, // claimed
  { role: 'aggregator', subject: AGG, actingFor: 'did:grid:z6MkU4', capacityKw: 10, priceFen: 1499, deliveredKwh: 4 }, // not claimed
  { role: 'production-base', subject: 'did:grid:z6MkBase', capacityKw: 7, priceFen: 333, deliveredKwh: 6 },
  { role: 'user', subject: 'did:grid:z6MkU5', capacityKw: 2, priceFen: 100 }, // no delivery: no record
  { role: 'aggregator', subject: AGG, actingFor: 'did:grid:z6MkU6', capacityKw: 2, priceFen: 1500, deliveredKwh: 3 }, // claim unattested
  { role: 'aggregator', subject: AGG2, actingFor: 'did:grid:z6MkU7', capacityKw: 4, priceFen: 1000, deliveredKwh: 4 }, // claimed by the wrong aggregator
]

/** The example's rule (examples/demand-response/settlement-contract.ts), with its divideHalfEven, for one planned bid. */
function expected(eventId: Hex, n: number, p: Planned, claimed: boolean, seconds = SECONDS): ChainSettlementRecord {
  const committedWh = divideHalfEven(BigInt(p.capacityKw) * BigInt(seconds) * 5n, 18n)
  const deliveredWh = BigInt(p.deliveredKwh!) * 1000n
  const payableWh = deliveredWh * 2n < committedWh ? 0n : deliveredWh < committedWh ? deliveredWh : committedWh
  const priceFen = Math.min(p.priceFen, CAP)
  const participant = h(p.subject)
  const actingFor = h(p.actingFor ?? p.subject)
  return {
    eventId,
    bid: n,
    participant,
    role: p.role,
    actingFor,
    payee: claimed ? participant : actingFor,
    viaMandate: claimed,
    committedWh: Number(committedWh),
    deliveredKwh: p.deliveredKwh!,
    payableWh: Number(payableWh),
    priceFen,
    subsidyFen: Number(divideHalfEven(payableWh * BigInt(priceFen), 1000n)),
  }
}

/** The plan's bids accepted in one event, a second event with one bid, the event over and the deliveries recorded. */
async function scenario() {
  const w = await ChainWorld.create()
  worlds.push(w)
  const e = await w.invite('peak-1', SECONDS, CAP)
  const other = await w.invite('peak-2', OTHER_SECONDS, CAP)
  w.now += 60
  for (const p of PLAN) {
    const { b, a, sigs } = await w.bid({ eventId: e.eventId, ...p, licensedKw: p.role === 'aggregator' ? 50_000 : 0 })
    await w.ok(BIDDER, w.dr, 'bid', [b, a, sigs])
  }
  const lone = await w.bid({ eventId: other.eventId, role: 'user', subject: 'did:grid:z6MkU1', capacityKw: 5, priceFen: 1000 })
  await w.ok(BIDDER, w.dr, 'bid', [lone.b, lone.a, lone.sigs]) // bid 9
  w.now = Math.max(e.end, other.end)
  for (const [i, p] of PLAN.entries()) {
    if (p.deliveredKwh !== undefined) await w.ok(OPERATOR, w.dr, 'recordDelivery', [BigInt(i + 1), BigInt(p.deliveredKwh)])
  }
  await w.ok(OPERATOR, w.dr, 'recordDelivery', [9n, 5n])
  return { w, e, other }
}

describe('GridSettlement: artifact', () => {
  it('the committed artifact equals a fresh compile, and its ABI lists the gate errors', () => {
    expect(SETTLEMENT_ARTIFACT).toEqual(compileSettlement('paris'))
    const errors = SETTLEMENT_ARTIFACT.abi.filter((item) => item.type === 'error').map((item) => (item as { name: string }).name)
    for (const name of ['NotEnoughSignatures', 'Replayed', 'WrongConsumer', 'NothingToSettle', 'NotMandateBid'])
      expect(errors).toContain(name)
  })
})

describe('GridSettlement: open and claim', () => {
  it('opens after the event ends with its challenge (NotOperator, UnknownEvent, EventNotOver, AlreadyOpen)', async () => {
    const w = await ChainWorld.create()
    worlds.push(w)
    const e = await w.invite('peak-1', SECONDS, CAP)
    expect(await w.reverts(OPERATOR, w.settlement, 'open', [h('nope')])).toEqual({ errorName: 'UnknownEvent', args: [h('nope')] })
    w.now = e.end - 1
    expect(await w.reverts(OPERATOR, w.settlement, 'open', [e.eventId])).toEqual({
      errorName: 'EventNotOver',
      args: [BigInt(e.end - 1), BigInt(e.end)],
    })
    w.now = e.end
    expect(await w.reverts(OUTSIDER, w.settlement, 'open', [e.eventId])).toEqual({ errorName: 'NotOperator', args: [addr(OUTSIDER)] })
    const sent = await w.ok(OPERATOR, w.settlement, 'open', [e.eventId])
    const challenge = keccak256(
      encodeAbiParameters(
        [{ type: 'address' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'uint256' }],
        [w.settlement, e.eventId, sent.blockNumber, BigInt(e.end)],
      ),
    ).slice(0, 34) as Hex
    expect(sent.events).toEqual([{ address: w.settlement, eventName: 'SettlementOpened', args: { eventId: e.eventId, challenge } }])
    expect(await w.call(w.settlement, 'challengeOf', [e.eventId])).toBe(challenge)
    expect(await w.call(w.settlement, 'settlements', [e.eventId])).toEqual({ challenge, opened: true, settled: false })
    expect(await w.reverts(OPERATOR, w.settlement, 'open', [e.eventId])).toEqual({ errorName: 'AlreadyOpen', args: [e.eventId] })
  })

  it('accepts the claim of the aggregator that made the bid, under an attested mandate; refuses every other claim with its error', async () => {
    const { w, e } = await scenario()
    const ev = e.eventId
    const claim3 = await w.claim({ eventId: ev, n: 3, subject: AGG, actingFor: 'did:grid:z6MkU3' })
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [3n, claim3.a, claim3.sigs])).toEqual({ errorName: 'NotOpen', args: [ev] })
    await w.ok(OPERATOR, w.settlement, 'open', [ev])
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [0n, claim3.a, claim3.sigs])).toEqual({ errorName: 'NoSuchBid', args: [0n] })
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [10n, claim3.a, claim3.sigs])).toEqual({ errorName: 'NoSuchBid', args: [10n] })
    // A user's own bid and a production base's are paid to themselves: nothing to claim.
    for (const n of [1n, 5n])
      expect(await w.reverts(BIDDER, w.settlement, 'claim', [n, claim3.a, claim3.sigs])).toEqual({ errorName: 'NotMandateBid', args: [n] })
    // The claim terms name the bid: bid 3's attestation does not fit bid 4.
    const expected4 = termsDigest(chainClaimTerms({ chainId: w.chain.chainId, consumer: w.settlement, event: ev, bid: 4 }))
    expect(await w.call(w.settlement, 'claimTermsDigest', [ev, 4n])).toBe(expected4)
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [4n, claim3.a, claim3.sigs])).toEqual({
      errorName: 'TermsMismatch',
      args: [expected4, claim3.a.terms],
    })
    for (const [override, field] of [
      [{ role: h('user') }, 'role'],
      [{ action: h('response.bid') }, 'action'],
      [{ subject: h(AGG2) }, 'subject'],
      [{ actingFor: h('did:grid:z6MkU4') }, 'actingFor'],
    ] as const) {
      const bad = await w.claim({ eventId: ev, n: 3, subject: AGG, actingFor: 'did:grid:z6MkU3' }, override)
      expect(await w.reverts(BIDDER, w.settlement, 'claim', [3n, bad.a, bad.sigs])).toEqual({
        errorName: 'AttestationMismatch',
        args: [field],
      })
    }
    // Another aggregator claiming bid 8 (made by AGG2) with its own attested mandate: not the bidder.
    const wrong = await w.claim({ eventId: ev, n: 8, subject: AGG, actingFor: 'did:grid:z6MkU7' })
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [8n, wrong.a, wrong.sigs])).toEqual({
      errorName: 'AttestationMismatch',
      args: ['subject'],
    })
    // Two signatures are not enough: the gate's NotEnoughSignatures bubbles up.
    const weak = await w.claim({ eventId: ev, n: 7, subject: AGG, actingFor: 'did:grid:z6MkU6' }, {}, ATTESTORS.slice(0, 2))
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [7n, weak.a, weak.sigs])).toEqual({
      errorName: 'NotEnoughSignatures',
      args: [2n, 3n],
    })

    const sent = await w.ok(BIDDER, w.settlement, 'claim', [3n, claim3.a, claim3.sigs])
    console.log(`GridSettlement.claim gas, k = 3 of 4: ${sent.gasUsed}`)
    expect(sent.gasUsed).toBeLessThan(200_000n)
    expect(sent.events.map((x) => [x.eventName, x.args])).toEqual([
      ['Claimed', { n: 3n, aggregator: h(AGG) }],
      [
        'RoleAttested',
        {
          consumer: w.settlement,
          presentation: claim3.a.presentation,
          subject: h(AGG),
          role: h('aggregator'),
          action: h('settlement.receive'),
          height: claim3.a.height,
        },
      ],
    ])
    expect(await w.call(w.settlement, 'claimed', [3n])).toBe(true)
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [3n, claim3.a, claim3.sigs])).toEqual({ errorName: 'AlreadyClaimed', args: [3n] })
    // The same presentation attested again for bid 4's terms: the gate refuses it (Replayed).
    const replay = await w.claim({ eventId: ev, n: 4, subject: AGG, actingFor: 'did:grid:z6MkU4' }, { presentation: claim3.a.presentation })
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [4n, replay.a, replay.sigs])).toEqual({
      errorName: 'Replayed',
      args: [w.settlement, claim3.a.presentation],
    })
    // After settlement no claim is taken.
    await w.ok(OPERATOR, w.settlement, 'settle', [ev])
    const late = await w.claim({ eventId: ev, n: 4, subject: AGG, actingFor: 'did:grid:z6MkU4' })
    expect(await w.reverts(BIDDER, w.settlement, 'claim', [4n, late.a, late.sigs])).toEqual({ errorName: 'AlreadySettled', args: [ev] })
  })
})

describe('GridSettlement: settle', () => {
  it("computes the example's rule exactly (fractional hours, half-even ties), pays the aggregator only under a valid claim, credits owed, and stores the TS mirror's Merkle root", async () => {
    const { w, e, other } = await scenario()
    const ev = e.eventId
    await w.ok(OPERATOR, w.settlement, 'open', [ev])
    const c3 = await w.claim({ eventId: ev, n: 3, subject: AGG, actingFor: 'did:grid:z6MkU3' })
    await w.ok(BIDDER, w.settlement, 'claim', [3n, c3.a, c3.sigs])
    expect(await w.reverts(OUTSIDER, w.settlement, 'settle', [ev])).toEqual({ errorName: 'NotOperator', args: [addr(OUTSIDER)] })
    expect(await w.reverts(OPERATOR, w.settlement, 'settle', [other.eventId])).toEqual({ errorName: 'NotOpen', args: [other.eventId] })

    const sent = await w.ok(OPERATOR, w.settlement, 'settle', [ev])
    const records = PLAN.flatMap((p, i) => (p.deliveredKwh === undefined ? [] : [expected(ev, i + 1, p, i + 1 === 3)]))
    expect(records.map((r) => r.bid)).toEqual([1, 2, 3, 4, 5, 7, 8])
    // The ties went the documented ways (so the rule above is not vacuous).
    expect(records.map((r) => [r.committedWh, r.payableWh, r.subsidyFen])).toEqual([
      [1002, 1002, 250],
      [3008, 3008, 2256],
      [1002, 1002, 752],
      [10025, 0, 0],
      [7018, 6000, 1998],
      [2005, 2005, 3008],
      [4010, 4000, 4000],
    ])
    const totalFen = records.reduce((sum, r) => sum + r.subsidyFen, 0)
    const root = chainSettlementRoot(records)
    expect(sent.events).toEqual([
      ...records.map((r) => ({
        address: w.settlement,
        eventName: 'Paid',
        args: {
          eventId: ev,
          n: BigInt(r.bid),
          payee: r.payee,
          viaMandate: r.viaMandate,
          payableWh: BigInt(r.payableWh),
          subsidyFen: BigInt(r.subsidyFen),
        },
      })),
      { address: w.settlement, eventName: 'Settled', args: { eventId: ev, merkleRoot: root, records: 7n, totalFen: BigInt(totalFen) } },
    ])
    expect(await w.call(w.settlement, 'roots', [ev])).toBe(root)
    // Payees: the aggregator only for the claimed bid 3; the users for 4 (no claim), 7 (unattested claim), 8 (another aggregator's claim).
    expect(records.filter((r) => r.viaMandate).map((r) => r.bid)).toEqual([3])
    expect(await w.call(w.settlement, 'owed', [h(AGG)])).toBe(752n)
    expect(await w.call(w.settlement, 'owed', [h(AGG2)])).toBe(0n)
    for (const [who, fen] of [
      ['did:grid:z6MkU1', 250n],
      ['did:grid:z6MkU3', 0n],
      ['did:grid:z6MkU6', 3008n],
      ['did:grid:z6MkU7', 4000n],
      ['did:grid:z6MkBase', 1998n],
    ] as const) {
      expect(await w.call(w.settlement, 'owed', [h(who)]), who).toBe(fen)
    }
    expect(await w.reverts(OPERATOR, w.settlement, 'settle', [ev])).toEqual({ errorName: 'AlreadySettled', args: [ev] })

    // One record: its root is its leaf hash. The settle gas for 1 and for 7 records.
    await w.ok(OPERATOR, w.settlement, 'open', [other.eventId])
    const one = await w.ok(OPERATOR, w.settlement, 'settle', [other.eventId])
    const lone = expected(
      other.eventId,
      9,
      { role: 'user', subject: 'did:grid:z6MkU1', capacityKw: 5, priceFen: 1000, deliveredKwh: 5 },
      false,
      OTHER_SECONDS,
    )
    expect([lone.committedWh, lone.payableWh, lone.subsidyFen]).toEqual([7500, 5000, 5000])
    expect(await w.call(w.settlement, 'roots', [other.eventId])).toBe(chainSettlementRoot([lone]))
    expect(await w.call(w.settlement, 'owed', [h('did:grid:z6MkU1')])).toBe(250n + BigInt(lone.subsidyFen))
    console.log(`GridSettlement.settle gas: 1 record ${one.gasUsed}, 7 records ${sent.gasUsed}`)
    expect(sent.gasUsed).toBeLessThan(450_000n)
  })

  it('settles in batches (settleBatch) to the same records, credits and Merkle root as one settle, keeping only a frontier between them', async () => {
    const { w, e } = await scenario()
    const ev = e.eventId
    await w.ok(OPERATOR, w.settlement, 'open', [ev])
    const c3 = await w.claim({ eventId: ev, n: 3, subject: AGG, actingFor: 'did:grid:z6MkU3' })
    await w.ok(BIDDER, w.settlement, 'claim', [3n, c3.a, c3.sigs])
    expect(await w.reverts(OPERATOR, w.settlement, 'settleBatch', [ev, 0n])).toEqual({ errorName: 'EmptyBatch', args: [] })
    expect(await w.reverts(OUTSIDER, w.settlement, 'settleBatch', [ev, 1n])).toEqual({ errorName: 'NotOperator', args: [addr(OUTSIDER)] })
    const records = PLAN.flatMap((p, i) => (p.deliveredKwh === undefined ? [] : [expected(ev, i + 1, p, i + 1 === 3)]))
    const paid: unknown[] = []
    // 8 bids (bid 6 has no delivery): 3 + 1 + 2 + 5 (the last batch asks for more than remain).
    for (const [size, next, count] of [
      [3n, 3n, 3n],
      [1n, 4n, 4n],
      [2n, 6n, 5n],
    ] as const) {
      const sent = await w.ok(OPERATOR, w.settlement, 'settleBatch', [ev, size])
      paid.push(...sent.events)
      expect(sent.events.every((x) => x.eventName === 'Paid')).toBe(true)
      expect(await w.call(w.settlement, 'progressOf', [ev])).toMatchObject({ next, records: count })
      expect(await w.call(w.settlement, 'roots', [ev])).toBe(`0x${'00'.repeat(32)}`)
    }
    const last = await w.ok(OPERATOR, w.settlement, 'settleBatch', [ev, 5n])
    paid.push(...last.events)
    const totalFen = records.reduce((sum, r) => sum + r.subsidyFen, 0)
    const root = chainSettlementRoot(records)
    expect(paid).toEqual([
      ...records.map((r) => ({
        address: w.settlement,
        eventName: 'Paid',
        args: {
          eventId: ev,
          n: BigInt(r.bid),
          payee: r.payee,
          viaMandate: r.viaMandate,
          payableWh: BigInt(r.payableWh),
          subsidyFen: BigInt(r.subsidyFen),
        },
      })),
      { address: w.settlement, eventName: 'Settled', args: { eventId: ev, merkleRoot: root, records: 7n, totalFen: BigInt(totalFen) } },
    ])
    expect(await w.call(w.settlement, 'roots', [ev])).toBe(root)
    expect(await w.call(w.settlement, 'owed', [h(AGG)])).toBe(752n)
    expect(await w.call(w.settlement, 'owed', [h('did:grid:z6MkU7')])).toBe(4000n)
    expect(await w.reverts(OPERATOR, w.settlement, 'settleBatch', [ev, 1n])).toEqual({ errorName: 'AlreadySettled', args: [ev] })
  })

  it('the frontier gives the RFC 6962 root for every record count from 1 to 9, one bid per transaction', async () => {
    // Nine events with 1 to 9 bids; each settled one bid per transaction, so the frontier is stored
    // and reloaded between every two records.
    const w = await ChainWorld.create()
    worlds.push(w)
    const events: { eventId: Hex; end: number; plans: { n: number; p: Planned }[] }[] = []
    for (let count = 1; count <= 9; count++) events.push({ ...(await w.invite(`peak-n${count}`, SECONDS, CAP)), plans: [] })
    w.now += 60
    let n = 0
    for (const e of events) {
      for (let i = 0; i < events.indexOf(e) + 1; i++) {
        const p: Planned = {
          role: 'user',
          subject: `did:grid:z6MkN${events.indexOf(e)}x${i}`,
          capacityKw: 1 + i,
          priceFen: 100 + 7 * i,
          deliveredKwh: 1 + i,
        }
        const { b, a, sigs } = await w.bid({ eventId: e.eventId, ...p, licensedKw: 0 })
        await w.ok(BIDDER, w.dr, 'bid', [b, a, sigs])
        e.plans.push({ n: ++n, p })
      }
    }
    w.now = Math.max(...events.map((e) => e.end))
    for (const e of events)
      for (const { n: bid, p } of e.plans) await w.ok(OPERATOR, w.dr, 'recordDelivery', [BigInt(bid), BigInt(p.deliveredKwh!)])
    for (const e of events) {
      await w.ok(OPERATOR, w.settlement, 'open', [e.eventId])
      for (let i = 0; i < e.plans.length; i++) await w.ok(OPERATOR, w.settlement, 'settleBatch', [e.eventId, 1n])
      const records = e.plans.map(({ n: bid, p }) => expected(e.eventId, bid, p, false))
      expect(await w.call(w.settlement, 'roots', [e.eventId]), `${records.length} records`).toBe(chainSettlementRoot(records))
    }
  })

  it('the TS mirror: a leaf is keccak256(abi.encode(record)), and a changed field changes the root', () => {
    const r: ChainSettlementRecord = {
      eventId: h('peak-1'),
      bid: 3,
      participant: h(AGG),
      role: 'aggregator',
      actingFor: h('did:grid:z6MkU3'),
      payee: h(AGG),
      viaMandate: true,
      committedWh: 1002,
      deliveredKwh: 5,
      payableWh: 1002,
      priceFen: 750,
      subsidyFen: 752,
    }
    const encoded = encodeAbiParameters(
      [
        { type: 'bytes32' },
        { type: 'uint256' },
        { type: 'bytes32' },
        { type: 'uint8' },
        { type: 'bytes32' },
        { type: 'bytes32' },
        { type: 'bool' },
        { type: 'uint64' },
        { type: 'uint64' },
        { type: 'uint64' },
        { type: 'uint64' },
        { type: 'uint64' },
      ],
      [r.eventId, 3n, r.participant, 1, r.actingFor, r.payee, true, 1002n, 5n, 1002n, 750n, 752n],
    )
    expect(chainSettlementLeaf(r)).toBe(keccak256(encoded))
    const root = chainSettlementRoot([r, { ...r, bid: 4 }, { ...r, bid: 5 }])
    expect(chainSettlementRoot([r, { ...r, bid: 4 }, { ...r, bid: 5, subsidyFen: 753 }])).not.toBe(root)
    expect(() => chainSettlementRoot([])).toThrow(new RangeError('records must not be empty'))
    expect(() => chainSettlementLeaf({ ...r, role: 'operator' as RoleName })).toThrow(
      new RangeError('record.role must be one of user, aggregator, production-base'),
    )
    expect(() => chainSettlementLeaf({ ...r, subsidyFen: 1.5 })).toThrow(new RangeError('record.subsidyFen must be a safe integer ≥ 0'))
    expect(() => chainSettlementLeaf({ ...r, bid: 0 })).toThrow(new RangeError('record.bid must be a safe integer ≥ 1'))
    expect(() => chainSettlementLeaf({ ...r, payee: '0x12' })).toThrow(
      new TypeError('record.payee must be a bytes32 (0x and 64 hex digits)'),
    )
  })

  it('an event with accepted bids but no delivery has nothing to settle (NothingToSettle)', async () => {
    const w = await ChainWorld.create()
    worlds.push(w)
    const e = await w.invite('peak-1', SECONDS, CAP)
    const { b, a, sigs } = await w.bid({ eventId: e.eventId, role: 'user', subject: 'did:grid:z6MkU1', capacityKw: 1, priceFen: 100 })
    await w.ok(BIDDER, w.dr, 'bid', [b, a, sigs])
    w.now = e.end
    await w.ok(OPERATOR, w.settlement, 'open', [e.eventId])
    expect(await w.reverts(OPERATOR, w.settlement, 'settle', [e.eventId])).toEqual({ errorName: 'NothingToSettle', args: [e.eventId] })
    expect(await w.call(w.settlement, 'roots', [e.eventId])).toBe(`0x${'00'.repeat(32)}`)
  })
})
