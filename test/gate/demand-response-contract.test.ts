/**
 * The reference demand-response contract (contracts/DemandResponse.sol, `GridDemandResponse`) on an
 * in-process EVM with a real role gate (four attestors, threshold three): invitations, every bid
 * rule with its custom error and values in the contract's order, the gate's errors bubbling up,
 * deliveries, the on-chain JCS terms digest equal to `termsDigest(chainBidTerms(…))`, and the gas of
 * a bid.
 */
import { encodeAbiParameters, keccak256, type Hex } from 'viem'
import { afterEach, describe, expect, it } from 'vitest'
import { privateKeyToAccount } from 'viem/accounts'
import { DEMAND_RESPONSE_ARTIFACT, attestRole, chainBidTerms, consumerAudience } from 'grid-did/gate'
import { compileDemandResponse } from '../../scripts/registry-build.js'
import { createPresentation, termsDigest } from '../../src/index.js'
import { World } from '../vc/world.js'
import { ADMIN, ATTESTORS, BIDDER, ChainWorld, OPERATOR, OUTSIDER, addr, h } from './chain-world.js'

const MAX_SAFE = 2n ** 53n - 1n
const worlds: ChainWorld[] = []
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.close()))
})
async function world(): Promise<ChainWorld> {
  const w = await ChainWorld.create()
  worlds.push(w)
  return w
}

const USER = 'did:grid:z6MkUser1'
const USER2 = 'did:grid:z6MkUser2'
const AGG = 'did:grid:z6MkAggregator'

describe('GridDemandResponse: artifact', () => {
  it('the committed artifact equals a fresh compile, and its ABI lists the gate errors that bubble up', () => {
    expect(DEMAND_RESPONSE_ARTIFACT).toEqual(compileDemandResponse('paris'))
    expect(DEMAND_RESPONSE_ARTIFACT.evmVersion).toBe('paris')
    const errors = DEMAND_RESPONSE_ARTIFACT.abi.filter((item) => item.type === 'error').map((item) => (item as { name: string }).name)
    for (const name of [
      'NotEnoughSignatures',
      'Replayed',
      'TooOld',
      'Expired',
      'HeightAhead',
      'WrongConsumer',
      'BadSignature',
      'TermsMismatch',
      'DuplicateBid',
    ]) {
      expect(errors).toContain(name)
    }
  })
})

describe('GridDemandResponse: invite', () => {
  it('the operator invites an event; the challenge is bytes16(keccak256(abi.encode(contract, event, block, time)))', async () => {
    const w = await world()
    const { eventId, closeAt, start, end, sent } = await w.invite('peak-1', 5400, 1500)
    const challenge = keccak256(
      encodeAbiParameters(
        [{ type: 'address' }, { type: 'bytes32' }, { type: 'uint256' }, { type: 'uint256' }],
        [w.dr, eventId, sent.blockNumber, BigInt(w.now)],
      ),
    ).slice(0, 34) as Hex
    expect(sent.events).toEqual([
      {
        address: w.dr,
        eventName: 'Invited',
        args: { eventId, challenge, bidsCloseAt: BigInt(closeAt), start: BigInt(start), end: BigInt(end), priceCapFen: 1500n },
      },
    ])
    expect(await w.call(w.dr, 'events', [eventId])).toEqual({
      invitedAt: BigInt(w.now),
      bidsCloseAt: BigInt(closeAt),
      start: BigInt(start),
      end: BigInt(end),
      priceCapFen: 1500n,
      challenge,
    })
    expect(await w.call(w.dr, 'challengeOf', [eventId])).toBe(challenge)
    expect(await w.call(w.dr, 'challengeOf', [h('unknown')])).toBe(`0x${'00'.repeat(16)}`)
  })

  it('refuses another caller (NotOperator), a bad schedule (BadSchedule), a cap out of range (PriceInvalid), an event twice (EventExists)', async () => {
    const w = await world()
    const id = h('peak-1')
    const t = BigInt(w.now)
    expect(await w.reverts(OUTSIDER, w.dr, 'invite', [id, t + 10n, t + 20n, t + 30n, 1500n])).toEqual({
      errorName: 'NotOperator',
      args: [addr(OUTSIDER)],
    })
    for (const [close, start, end] of [
      [t, t + 20n, t + 30n], // bids must close after now
      [t + 20n, t + 10n, t + 30n], // close after start
      [t + 10n, t + 30n, t + 30n], // empty response window
    ] as const) {
      expect(await w.reverts(OPERATOR, w.dr, 'invite', [id, close, start, end, 1500n])).toEqual({
        errorName: 'BadSchedule',
        args: [t, close, start, end],
      })
    }
    expect(await w.reverts(OPERATOR, w.dr, 'invite', [id, t + 10n, t + 20n, t + 30n, 0n])).toEqual({
      errorName: 'PriceInvalid',
      args: [0n],
    })
    expect(await w.reverts(OPERATOR, w.dr, 'invite', [id, t + 10n, t + 20n, t + 30n, MAX_SAFE + 1n])).toEqual({
      errorName: 'PriceInvalid',
      args: [MAX_SAFE + 1n],
    })
    await w.ok(OPERATOR, w.dr, 'invite', [id, t + 10n, t + 10n, t + 30n, MAX_SAFE])
    expect(await w.reverts(OPERATOR, w.dr, 'invite', [id, t + 10n, t + 20n, t + 30n, 1500n])).toEqual({
      errorName: 'EventExists',
      args: [id],
    })
  })
})

describe('GridDemandResponse: bid', () => {
  it('accepts an attested bid (k = 3 of 4): BidAccepted then RoleAttested, the bid stored, and states its gas', async () => {
    const w = await world()
    const { eventId } = await w.invite('peak-1', 5400)
    w.now += 60
    const user = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    const sent = await w.ok(BIDDER, w.dr, 'bid', [user.b, user.a, user.sigs])
    expect(sent.events).toEqual([
      {
        address: w.dr,
        eventName: 'BidAccepted',
        args: { eventId, n: 1n, subject: h(USER), actingFor: h(USER), role: 0, capacityKw: 120n, priceFen: 1200n },
      },
      {
        address: w.gate,
        eventName: 'RoleAttested',
        args: {
          consumer: w.dr,
          presentation: user.a.presentation,
          subject: h(USER),
          role: h('user'),
          action: h('response.bid'),
          height: user.a.height,
        },
      },
    ])
    expect(await w.call(w.dr, 'bidCount')).toBe(1n)
    expect(await w.call(w.dr, 'bids', [1n])).toEqual({
      eventId,
      subject: h(USER),
      actingFor: h(USER),
      role: 0,
      capacityKw: 120n,
      priceFen: 1200n,
      height: user.a.height,
      time: w.now, // a uint48: viem gives a number
    })
    expect(await w.call(w.dr, 'bidFor', [eventId, h(USER)])).toBe(1n)
    expect(await w.call(w.dr, 'bidsOf', [eventId])).toEqual([1n])
    // An aggregator's bid for a user under a mandate (its licence counted) costs a little more.
    const agg = await w.bid({
      eventId,
      role: 'aggregator',
      subject: AGG,
      actingFor: USER2,
      capacityKw: 150,
      priceFen: 1100,
      licensedKw: 50_000,
    })
    const aggSent = await w.ok(BIDDER, w.dr, 'bid', [agg.b, agg.a, agg.sigs])
    expect(await w.call(w.dr, 'aggregatedKw', [eventId, h(AGG)])).toBe(150n)
    const later = await w.bid({ eventId, role: 'user', subject: 'did:grid:z6MkUser3', capacityKw: 80, priceFen: 900 })
    const laterSent = await w.ok(BIDDER, w.dr, 'bid', [later.b, later.a, later.sigs])
    // Whole transactions (21,000 + calldata + execution); the first bid also creates the counters.
    console.log(
      `GridDemandResponse.bid gas, k = 3 of 4: first bid (user) ${sent.gasUsed}, aggregator for a user ${aggSent.gasUsed}, a later user bid ${laterSent.gasUsed}`,
    )
    for (const gas of [sent.gasUsed, aggSent.gasUsed, laterSent.gasUsed]) expect(gas).toBeLessThan(320_000n)
  })

  it('takes a bid whose attestations attestRole made: a real presentation bound to chainBidTerms, addressed to the contract (CAIP-10), the challenge as nonce', async () => {
    const w = await world()
    const { eventId } = await w.invite('peak-1', 5400)
    const nonce = ((await w.call(w.dr, 'challengeOf', [eventId])) as Hex).slice(2)
    expect(nonce).toMatch(/^[0-9a-f]{32}$/)
    // The credentials live on a memory ledger (the role-check test world); the attestors decide at its height.
    const vw = await World.create()
    const agg = await vw.party('aggregator-1')
    const vc = await vw.issue('aggregator', agg.did)
    vw.now += 60
    const chainId = w.chain.chainId
    const terms = chainBidTerms({
      chainId,
      consumer: w.dr,
      event: eventId,
      role: 'aggregator',
      actingFor: agg.did,
      capacityKw: 150,
      priceFen: 1100,
    })
    const audience = consumerAudience(chainId, w.dr)
    const vp = await createPresentation({
      holder: agg.jwt,
      credentials: [vc],
      audience,
      challenge: nonce,
      issuedAt: vw.now,
      validUntil: vw.now + 3600,
      binding: termsDigest(terms),
    })
    await vw.party('someone-later')
    const height = (await vw.ledger.head()).height
    const time = (await vw.ledger.batch(height))!.time
    await w.mine(Math.max(0, height - Number((await w.head()).number)))
    const signed = await Promise.all(
      ATTESTORS.slice(0, 3).map((key) =>
        attestRole({
          presentation: vp,
          requirement: { role: 'aggregator', action: 'response.bid', capacityKw: 150 },
          context: { resolver: vw.resolver, trustRegistry: vw.registry, audience, challenge: nonce },
          terms,
          height,
          time,
          consumer: w.dr,
          chainId,
          gate: w.gate,
          expiry: w.now + 600,
          account: privateKeyToAccount(key),
        }),
      ),
    )
    const a = signed[0]!.attestation
    expect(a.licensedW).toBe(50_000_000n) // the aggregator credential's 50,000 kW
    const b = { eventId, role: 1, actingFor: terms.actingFor, capacityKw: 150n, priceFen: 1100n }
    const sent = await w.ok(BIDDER, w.dr, 'bid', [b, a, signed.map((s) => s.signature)])
    expect(sent.events.map((e) => e.eventName)).toEqual(['BidAccepted', 'RoleAttested'])
    expect(sent.events[0]!.args).toMatchObject({ subject: h(agg.did), actingFor: h(agg.did), role: 1, capacityKw: 150n })
  })

  it('rebuilds the JCS terms on chain: bidTermsDigest equals termsDigest(chainBidTerms(…)) for every role and for the largest values', async () => {
    const w = await world()
    const cases = [
      { role: 'user', capacityKw: 1, priceFen: 1 },
      { role: 'aggregator', capacityKw: 120, priceFen: 1200 },
      { role: 'production-base', capacityKw: Number(MAX_SAFE / 1000n), priceFen: Number(MAX_SAFE) },
      { role: 'user', capacityKw: 10, priceFen: 100 }, // digits with zeros
    ] as const
    // Every hex digit in every position, in the event id and the hash of the user acted for.
    for (const [i, c] of cases.entries()) {
      const eventId = (
        [
          '0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef',
          `0x${'f0'.repeat(32)}`,
          `0x${'00'.repeat(32)}`,
          `0x${'9a'.repeat(32)}`,
        ] as const
      )[i] as Hex
      const terms = chainBidTerms({
        chainId: w.chain.chainId,
        consumer: w.dr,
        event: eventId,
        role: c.role,
        actingFor: USER,
        capacityKw: c.capacityKw,
        priceFen: c.priceFen,
      })
      const b = {
        eventId,
        role: { user: 0, aggregator: 1, 'production-base': 2 }[c.role],
        actingFor: h(USER),
        capacityKw: BigInt(c.capacityKw),
        priceFen: BigInt(c.priceFen),
      }
      expect(await w.call(w.dr, 'bidTermsDigest', [b])).toBe(termsDigest(terms))
    }
  })

  it('refuses a bid for an event not invited (UnknownEvent), also before its invitation, and accepts it once invited', async () => {
    const w = await world()
    const { b, a, sigs } = await w.bid({ eventId: h('peak-1'), role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    expect(await w.reverts(BIDDER, w.dr, 'bid', [b, a, sigs])).toEqual({ errorName: 'UnknownEvent', args: [h('peak-1')] })
    w.now += 60
    await w.invite('peak-1', 5400)
    w.now += 60
    expect((await w.ok(BIDDER, w.dr, 'bid', [b, a, sigs])).events[0]!.eventName).toBe('BidAccepted')
  })

  it('refuses a late bid with BidWindowClosed(timestamp, bidsCloseAt): at and after the close', async () => {
    const w = await world()
    const { eventId, closeAt } = await w.invite('peak-1', 5400)
    const { b, a, sigs } = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    w.now = closeAt
    expect(await w.reverts(BIDDER, w.dr, 'bid', [b, a, sigs])).toEqual({
      errorName: 'BidWindowClosed',
      args: [BigInt(closeAt), BigInt(closeAt)],
    })
    w.now = closeAt + 600
    expect(await w.reverts(BIDDER, w.dr, 'bid', [b, a, sigs])).toEqual({
      errorName: 'BidWindowClosed',
      args: [BigInt(closeAt + 600), BigInt(closeAt)],
    })
    expect(await w.call(w.dr, 'bidCount')).toBe(0n)
  })

  it('refuses a price of 0 or above 2^53 − 1 (PriceInvalid), above the cap (PriceAboveCap), a capacity of 0 or beyond safe watts (CapacityInvalid)', async () => {
    const w = await world()
    const { eventId } = await w.invite('peak-1', 5400, 1500)
    const { b, a, sigs } = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    const cases: [Partial<typeof b>, string, unknown[]][] = [
      [{ priceFen: 0n }, 'PriceInvalid', [0n]],
      [{ priceFen: MAX_SAFE + 1n }, 'PriceInvalid', [MAX_SAFE + 1n]],
      [{ priceFen: 1501n }, 'PriceAboveCap', [1501n, 1500n]],
      [{ capacityKw: 0n }, 'CapacityInvalid', [0n]],
      [{ capacityKw: MAX_SAFE / 1000n + 1n }, 'CapacityInvalid', [MAX_SAFE / 1000n + 1n]],
    ]
    for (const [change, errorName, args] of cases) {
      expect(await w.reverts(BIDDER, w.dr, 'bid', [{ ...b, ...change }, a, sigs])).toEqual({ errorName, args })
    }
    // A price at the cap is accepted.
    const atCap = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1500 })
    await w.ok(BIDDER, w.dr, 'bid', [atCap.b, atCap.a, atCap.sigs])
  })

  it('refuses terms that do not match the attested digest (TermsMismatch): a copied attestation with other terms cannot front-run the genuine bid', async () => {
    const w = await world()
    const { eventId } = await w.invite('peak-1', 5400)
    const { b, a, sigs } = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    const digest = async (bid: typeof b) => (await w.call(w.dr, 'bidTermsDigest', [bid])) as Hex
    // A front-runner copies the pending attestation and signatures and changes the terms.
    for (const change of [{ priceFen: 1400n }, { capacityKw: 119n }, { actingFor: h(USER2) }, { role: 1 }, { eventId: h('peak-2') }]) {
      const changed = { ...b, ...change }
      if ('eventId' in change) await w.invite('peak-2', 5400)
      expect(await w.reverts(OUTSIDER, w.dr, 'bid', [changed, a, sigs])).toEqual({
        errorName: 'TermsMismatch',
        args: [await digest(changed), a.terms],
      })
    }
    // Nothing was used up: the genuine bid goes through.
    await w.ok(BIDDER, w.dr, 'bid', [b, a, sigs])
  })

  it('refuses an attestation whose fields do not match the bid (AttestationMismatch: role, action, actingFor, capacityW)', async () => {
    const w = await world()
    const { eventId } = await w.invite('peak-1', 5400)
    const base = { eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 } as const
    const cases: [Parameters<ChainWorld['bid']>[1], string][] = [
      [{ role: h('aggregator') }, 'role'],
      [{ action: h('settlement.receive') }, 'action'],
      [{ actingFor: h(USER2) }, 'actingFor'],
      [{ capacityW: 120_001n }, 'capacityW'],
    ]
    for (const [override, field] of cases) {
      const { b, a, sigs } = await w.bid(base, override)
      expect(await w.reverts(BIDDER, w.dr, 'bid', [b, a, sigs])).toEqual({ errorName: 'AttestationMismatch', args: [field] })
    }
  })

  it('accepts one bid per user acted for and event (DuplicateBid), whoever bids; another event is free', async () => {
    const w = await world()
    const { eventId } = await w.invite('peak-1', 5400)
    const first = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    await w.ok(BIDDER, w.dr, 'bid', [first.b, first.a, first.sigs])
    const again = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 100, priceFen: 1000 })
    expect(await w.reverts(BIDDER, w.dr, 'bid', [again.b, again.a, again.sigs])).toEqual({
      errorName: 'DuplicateBid',
      args: [eventId, h(USER)],
    })
    const viaAggregator = await w.bid({
      eventId,
      role: 'aggregator',
      subject: AGG,
      actingFor: USER,
      capacityKw: 100,
      priceFen: 1000,
      licensedKw: 50_000,
    })
    expect(await w.reverts(BIDDER, w.dr, 'bid', [viaAggregator.b, viaAggregator.a, viaAggregator.sigs])).toEqual({
      errorName: 'DuplicateBid',
      args: [eventId, h(USER)],
    })
    const other = await w.invite('peak-2', 5400)
    const there = await w.bid({ eventId: other.eventId, role: 'user', subject: USER, capacityKw: 100, priceFen: 1000 })
    await w.ok(BIDDER, w.dr, 'bid', [there.b, there.a, there.sigs])
  })

  it("bounds an aggregator's accepted capacity per event by its attested licence (AggregateCapacityExceeded(totalKw, licensedKw))", async () => {
    const w = await world()
    const { eventId } = await w.invite('peak-1', 5400)
    const agg = (user: string, capacityKw: number, subject = AGG, licensedKw = 300) =>
      w.bid({ eventId, role: 'aggregator', subject, actingFor: user, capacityKw, priceFen: 1000, licensedKw })
    const b1 = await agg('did:grid:z6MkU1', 200)
    await w.ok(BIDDER, w.dr, 'bid', [b1.b, b1.a, b1.sigs])
    const over = await agg('did:grid:z6MkU2', 150)
    expect(await w.reverts(BIDDER, w.dr, 'bid', [over.b, over.a, over.sigs])).toEqual({
      errorName: 'AggregateCapacityExceeded',
      args: [350n, 300n],
    })
    const exact = await agg('did:grid:z6MkU2', 100) // 300 kW in all: exactly the licence
    await w.ok(BIDDER, w.dr, 'bid', [exact.b, exact.a, exact.sigs])
    expect(await w.call(w.dr, 'aggregatedKw', [eventId, h(AGG)])).toBe(300n)
    const one = await agg('did:grid:z6MkU3', 1)
    expect(await w.reverts(BIDDER, w.dr, 'bid', [one.b, one.a, one.sigs])).toEqual({
      errorName: 'AggregateCapacityExceeded',
      args: [301n, 300n],
    })
    // Another aggregator has its own total; an attestation without a licence (0) sets no bound.
    const another = await agg('did:grid:z6MkU3', 250, 'did:grid:z6MkAggregator2')
    await w.ok(BIDDER, w.dr, 'bid', [another.b, another.a, another.sigs])
    const unlicensed = await agg('did:grid:z6MkU4', 10_000, 'did:grid:z6MkAggregator3', 0)
    await w.ok(BIDDER, w.dr, 'bid', [unlicensed.b, unlicensed.a, unlicensed.sigs])
  })

  it('an unattested bid reverts with the gate error NotEnoughSignatures(have, need), and nothing is stored', async () => {
    const w = await world()
    const { eventId } = await w.invite('peak-1', 5400)
    const { b, a, sigs } = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    expect(await w.reverts(BIDDER, w.dr, 'bid', [b, a, sigs.slice(0, 2)])).toEqual({ errorName: 'NotEnoughSignatures', args: [2n, 3n] })
    expect(await w.reverts(BIDDER, w.dr, 'bid', [b, a, []])).toEqual({ errorName: 'NotEnoughSignatures', args: [0n, 3n] })
    // An attestor signing for another gate or a stranger does not count either.
    const [stranger] = await w.sign(a, [`0x${'55'.repeat(32)}`])
    expect(await w.reverts(BIDDER, w.dr, 'bid', [b, a, [...sigs.slice(0, 2), stranger!]])).toEqual({
      errorName: 'NotEnoughSignatures',
      args: [2n, 3n],
    })
    expect(await w.call(w.dr, 'bidCount')).toBe(0n)
    expect(await w.call(w.dr, 'bidFor', [eventId, h(USER)])).toBe(0n)
    expect(await w.call(w.dr, 'bidsOf', [eventId])).toEqual([])
    // With the fourth attestor's signature instead, three distinct registered signers: accepted.
    const [fourth] = await w.sign(a, [ATTESTORS[3]])
    await w.ok(BIDDER, w.dr, 'bid', [b, a, [...sigs.slice(0, 2), fourth!]])
  })

  it('refuses a presentation already used by an accepted bid (the gate error Replayed), and stale or expired attestations (TooOld, Expired)', async () => {
    const w = await world()
    const e1 = await w.invite('peak-1', 5400)
    const e2 = await w.invite('peak-2', 5400)
    const first = await w.bid({ eventId: e1.eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    await w.ok(BIDDER, w.dr, 'bid', [first.b, first.a, first.sigs])
    // The same presentation attested again for the other event's terms: every contract rule passes, the gate refuses it.
    const second = await w.bid(
      { eventId: e2.eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 },
      { presentation: first.a.presentation },
    )
    expect(await w.reverts(BIDDER, w.dr, 'bid', [second.b, second.a, second.sigs])).toEqual({
      errorName: 'Replayed',
      args: [w.dr, first.a.presentation],
    })
    // The accepted bid resubmitted as it was (same terms, same user): named a replay, not a second bid.
    expect(await w.reverts(BIDDER, w.dr, 'bid', [first.b, first.a, first.sigs])).toEqual({
      errorName: 'Replayed',
      args: [w.dr, first.a.presentation],
    })

    const expired = await w.bid(
      { eventId: e2.eventId, role: 'user', subject: USER2, capacityKw: 120, priceFen: 1200 },
      { expiry: BigInt(w.now - 1) },
    )
    expect(await w.reverts(BIDDER, w.dr, 'bid', [expired.b, expired.a, expired.sigs])).toEqual({
      errorName: 'Expired',
      args: [BigInt(w.now - 1), BigInt(w.now)],
    })
    const old = await w.bid({ eventId: e2.eventId, role: 'user', subject: USER2, capacityKw: 120, priceFen: 1200 })
    await w.mine(101)
    const next = (await w.head()).number + 1n
    expect(await w.reverts(BIDDER, w.dr, 'bid', [old.b, old.a, old.sigs])).toEqual({
      errorName: 'TooOld',
      args: [old.a.height, next, 100n],
    })
    // An attestation for another consumer is refused by the gate too (WrongConsumer), after the contract's own rules.
    const elsewhere = await w.bid(
      { eventId: e2.eventId, role: 'user', subject: USER2, capacityKw: 120, priceFen: 1200 },
      { consumer: w.settlement },
    )
    expect(await w.reverts(BIDDER, w.dr, 'bid', [elsewhere.b, elsewhere.a, elsewhere.sigs])).toEqual({
      errorName: 'WrongConsumer',
      args: [w.dr, w.settlement],
    })
  })
})

describe('GridDemandResponse: deliveries', () => {
  it('the operator records one delivery per accepted bid after the event ends (NotOperator, NoSuchBid, EventNotOver, DeliveryInvalid, DeliveryExists)', async () => {
    const w = await world()
    const { eventId, end } = await w.invite('peak-1', 5400)
    const { b, a, sigs } = await w.bid({ eventId, role: 'user', subject: USER, capacityKw: 120, priceFen: 1200 })
    await w.ok(BIDDER, w.dr, 'bid', [b, a, sigs])
    expect(await w.reverts(OUTSIDER, w.dr, 'recordDelivery', [1n, 100n])).toEqual({ errorName: 'NotOperator', args: [addr(OUTSIDER)] })
    expect(await w.reverts(OPERATOR, w.dr, 'recordDelivery', [0n, 100n])).toEqual({ errorName: 'NoSuchBid', args: [0n] })
    expect(await w.reverts(OPERATOR, w.dr, 'recordDelivery', [2n, 100n])).toEqual({ errorName: 'NoSuchBid', args: [2n] })
    w.now = end - 1
    expect(await w.reverts(OPERATOR, w.dr, 'recordDelivery', [1n, 100n])).toEqual({
      errorName: 'EventNotOver',
      args: [BigInt(end - 1), BigInt(end)],
    })
    w.now = end
    expect(await w.reverts(OPERATOR, w.dr, 'recordDelivery', [1n, MAX_SAFE + 1n])).toEqual({
      errorName: 'DeliveryInvalid',
      args: [MAX_SAFE + 1n],
    })
    expect(await w.call(w.dr, 'deliveries', [1n])).toEqual({ recorded: false, deliveredKwh: 0n, time: 0n })
    const sent = await w.ok(OPERATOR, w.dr, 'recordDelivery', [1n, 0n]) // zero is a delivery too
    expect(sent.events).toEqual([{ address: w.dr, eventName: 'DeliveryRecorded', args: { n: 1n, deliveredKwh: 0n } }])
    expect(await w.call(w.dr, 'deliveries', [1n])).toEqual({ recorded: true, deliveredKwh: 0n, time: BigInt(end) })
    expect(await w.reverts(OPERATOR, w.dr, 'recordDelivery', [1n, 100n])).toEqual({ errorName: 'DeliveryExists', args: [1n] })
    expect(await w.call(w.dr, 'operator')).toBe(addr(OPERATOR))
    expect(await w.call(w.dr, 'gate')).toBe(w.gate)
    expect(addr(ADMIN)).not.toBe(addr(OPERATOR))
  })
})
