import { describe, expect, it } from 'vitest'
import { ResponseContract, bidTerms } from '../../examples/demand-response/response-contract.js'
import { SettlementContract, divideHalfEven } from '../../examples/demand-response/settlement-contract.js'
import { createPresentation, termsDigest } from '../../src/index.js'
import { World } from '../vc/world.js'

describe('examples/demand-response settlement contract: whole fen for any event length', () => {
  it('settles a 90-minute event in whole Wh and whole fen, rounding half to even, and anchors the root', async () => {
    const w = await World.create()
    const rc = new ResponseContract({ resolver: w.resolver, trustRegistry: w.registry, address: 'did:grid:test:dr#c' })
    const block = async () => ({ time: w.now, height: (await w.ledger.head()).height })
    const users = [await w.party('u1'), await w.party('u2'), await w.party('u3')]
    const credentials = await Promise.all(users.map((u) => w.issue('user', u.did)))
    w.now += 10
    const inv = rc.invite(
      { id: 'ev1', kind: 'peak', bidsCloseAt: w.now + 3600, start: w.now + 7200, end: w.now + 7200 + 5400, priceCapFen: 1600 },
      await block(),
    )
    w.now += 10
    // 1 kW for 90 minutes is 1,500 Wh: at 1,501 fen/kWh that is 2,251.5 fen, at 1,503 it is 2,254.5.
    const terms = [
      { capacityKw: 1, priceFen: 1501, deliveredKwh: 2 },
      { capacityKw: 1, priceFen: 1503, deliveredKwh: 2 },
      { capacityKw: 3, priceFen: 1001, deliveredKwh: 2 }, // 4,500 Wh committed, under half delivered
    ]
    const bids = []
    for (const [i, t] of terms.entries()) {
      const bid = { role: 'user' as const, capacityKw: t.capacityKw, priceFen: t.priceFen }
      const presentation = await createPresentation({
        holder: users[i]!.jwt,
        credentials: [credentials[i]!],
        audience: inv.audience,
        challenge: inv.challenge,
        binding: termsDigest(bidTerms('ev1', bid)),
        issuedAt: w.now,
      })
      const d = await rc.bid('ev1', { presentation, ...bid }, await block())
      expect([d.accepted, d.reasons]).toEqual([true, []])
      bids.push(d)
    }
    w.now = inv.end + 10
    for (const [i, d] of bids.entries()) rc.recordDelivery(d.n, terms[i]!.deliveredKwh, await block())
    const sc = new SettlementContract({
      resolver: w.resolver,
      trustRegistry: w.registry,
      address: 'did:grid:test:st#c',
      publisher: { did: w.utility.did, signer: w.utility.signing, ledger: w.ledger, resolver: w.resolver },
    })
    sc.open(inv, await block())
    const s = await sc.settle(inv, rc.bids, rc.deliveries, new Map(), await block())
    expect(s.records.map((r) => [r.committedWh, r.deliveredKwh, r.payableWh, r.priceFen, r.subsidyFen])).toEqual([
      [1500, 2, 1500, 1501, 2252],
      [1500, 2, 1500, 1503, 2254],
      [4500, 2, 0, 1001, 0],
    ])
    expect(s.totalFen).toBe(4506)
    for (const r of s.records)
      expect(Number.isSafeInteger(r.subsidyFen) && Number.isSafeInteger(r.committedWh) && Number.isSafeInteger(r.payableWh)).toBe(true)
    const { version } = await w.resolver.resolveResource(s.resource)
    expect([version.cid, version.content.totalFen, version.content.merkleRoot]).toEqual([s.anchored.cid, 4506, s.merkleRoot])
  })

  it('divideHalfEven rounds to the nearest integer, ties to the even one', () => {
    expect([7n, 9n, 10n, 11n, 13n, 15n].map((n) => divideHalfEven(n, 2n))).toEqual([4n, 4n, 5n, 6n, 6n, 8n])
    expect([divideHalfEven(22_515n, 10n), divideHalfEven(22_545n, 10n), divideHalfEven(22_516n, 10n), divideHalfEven(0n, 7n)]).toEqual([
      2252n,
      2254n,
      2252n,
      0n,
    ])
  })
})
