import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDemandResponse, type DemandResponseLog, type LoggedBid } from '../../examples/demand-response/run.js'
import { chainSettlementRoot } from '../../src/gate/index.js'
import { GridResolver } from '../../src/index.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'

// `npm run demo -- --chain`: the same story on the in-process EVM dev chain (registry, role gate with
// four attestors and threshold three, the Solidity demand-response and settlement contracts). Both
// runs happen here and are compared: the data is seeded and the clocks simulated, so every decision
// and total must agree; only DIDs, keys and addresses differ.
describe('examples/demand-response on chain (npm run demo -- --chain)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grid-did-demand-response-chain-test-'))
  const lines: string[] = []
  let chain: DemandResponseLog
  let embedded: DemandResponseLog
  const keyIn = (log: DemandResponseLog) => (did: string | undefined) => log.participants.find((p) => p.did === did)?.key
  /** A bid as the story tells it, whatever the market: who, for whom, which case, what terms, and the outcome. */
  const story = (b: LoggedBid) => [b.participant, b.actingForKey ?? null, b.note ?? null, b.role, b.capacityKw, b.priceFen, b.accepted]

  beforeAll(async () => {
    embedded = await runDemandResponse({ dir: join(dir, 'embedded'), print: () => {} })
    chain = await runDemandResponse({ dir: join(dir, 'chain'), chain: true, print: (line) => lines.push(line) })
  }, 120_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('runs on the chain: the contracts and the gate deployed, four attestors each with its own index', () => {
    expect([chain.completed, chain.market, embedded.market]).toEqual([true, 'chain', 'embedded'])
    expect(chain.chain).toMatchObject({
      chain: 'eip155:1337',
      'role gate': expect.stringMatching(/^0x[0-9a-fA-F]{40} \(3 of 4 attestors, decisions at most 20 blocks old\)$/),
    })
    for (const what of ['did:grid registry', 'demand response', 'settlement']) expect(chain.chain![what]).toMatch(/^0x[0-9a-fA-F]{40}$/)
    const attestors = chain.chain!.attestors!.split(', ')
    expect(new Set(attestors).size).toBe(4)
    for (let i = 1; i <= 4; i++) expect(existsSync(join(dir, 'chain', `attestor-${i}.db`))).toBe(true)
    expect(chain.ledger).toBe(join(dir, 'chain', 'ledger.db'))
    expect(chain.event.audience).toBe(`eip155:1337:${chain.chain!['demand response']}`)
    expect(chain.event.challenge).toMatch(/^[0-9a-f]{32}$/)
  })

  it('decides the 57 bids as the embedded run does, bid by bid', () => {
    expect(chain.bids).toHaveLength(57)
    expect(chain.bids.map(story)).toEqual(embedded.bids.map(story))
    expect(chain.bids.map((b) => b.time)).toEqual(embedded.bids.map((b) => b.time))
    expect(chain.totals).toEqual(embedded.totals)
    expect(chain.totals).toMatchObject({ bids: 57, accepted: 48, rejected: 9 })
  })

  it('refuses each special case for the same reason: the attestors refuse role-check denials, the contract reverts with a custom error', () => {
    const rejected = chain.bids
      .filter((b) => !b.accepted)
      .map((b) => [b.participant, b.actingForKey ?? null, b.reasons.map((r) => `${r.by}:${r.code}${r.error ? `/${r.error}` : ''}`)])
    expect(rejected).toEqual([
      ['U36', null, ['contract:binding-mismatch/TermsMismatch']],
      ['U41', null, ['role-check:status-revoked', 'gate:not-enough-signatures/NotEnoughSignatures']],
      ['U42', null, ['role-check:status-suspended', 'gate:not-enough-signatures/NotEnoughSignatures']],
      ['U43', null, ['role-check:credential-expired', 'gate:not-enough-signatures/NotEnoughSignatures']],
      ['U46', null, ['contract:price-above-cap/PriceAboveCap']],
      // The contract asks the gate whether the presentation was used before it looks for a second bid of the same user.
      ['U35', null, ['gate:presentation-replayed/Replayed']],
      // The attestors refuse (no mandate); U45's own bid is already in, so the contract's DuplicateBid comes before the gate's count.
      ['A1', 'U45', ['role-check:mandate-missing', 'contract:duplicate-bid/DuplicateBid']],
      ['B3', null, ['role-check:capacity-exceeded', 'gate:not-enough-signatures/NotEnoughSignatures']],
      ['U47', null, ['contract:bid-window-closed/BidWindowClosed']],
    ])
    // Every reason of the embedded run is among the chain's.
    embedded.bids.forEach((e, i) => {
      const codes = chain.bids[i]!.reasons.map((r) => r.code)
      for (const r of e.reasons) expect(codes).toContain(r.code)
    })
    const byNote = (note: string) => chain.bids.find((b) => b.note === note)!
    expect(byNote('above the price cap').reasons[0]!.message).toBe('PriceAboveCap(1800, 1500)')
    expect(byNote('revoked').reasons[1]!.message).toBe('NotEnoughSignatures(0, 3)')
    expect(byNote('after the bids closed').reasons[0]!.message).toMatch(/^BidWindowClosed\(\d+, \d+\)$/)
    expect(byNote('front-run: copied, other terms').reasons[0]!.message).toMatch(/^TermsMismatch\(0x[0-9a-f]{64}, 0x[0-9a-f]{64}\)$/)
    // A role-check denial is all four attestors refusing; everything else all four signed alike, and the bid carried three signatures.
    for (const b of chain.bids) {
      const denied = b.reasons.some((r) => r.by === 'role-check')
      expect([b.attested, b.signatures, b.refusals]).toEqual(denied ? [0, 0, 4] : [4, 3, 0])
      expect(b.roleCheckAllowed).toBe(!denied && b.note !== 'front-run: copied, other terms')
    }
    // The copied bid carried U36's three signatures under other terms; U36's own bid then went through.
    const i = chain.bids.findIndex((b) => b.note === 'front-run: copied, other terms')
    expect([chain.bids[i]!.capacityKw, chain.bids[i]!.priceFen, chain.bids[i + 1]!.accepted, chain.bids[i + 1]!.note]).toEqual([
      800,
      1,
      true,
      'its own terms, after the copy',
    ])
    // The suspended user is refused at one height and accepted after reinstatement at a later one.
    const u42 = chain.bids.filter((b) => b.participant === 'U42')
    expect(u42.map((b) => b.accepted)).toEqual([false, true])
    expect(u42[1]!.height).toBeGreaterThan(u42[0]!.height)
  })

  it('reports the gas of every bid transaction', () => {
    const accepted = chain.bids.filter((b) => b.accepted)
    expect(accepted.every((b) => Number.isSafeInteger(b.gasUsed) && b.gasUsed! > 0 && /^0x[0-9a-f]{64}$/.test(b.transaction!))).toBe(true)
    expect(chain.bids.every((b) => b.gasUsed! > 21_000)).toBe(true)
    expect(new Set(accepted.map((b) => b.chainBid))).toEqual(new Set(Array.from({ length: 48 }, (_, i) => i + 1)))
    expect(lines.some((l) => /^ {3}gas per accepted bid +\d+ on average \(\d+-\d+\), 48 transactions$/.test(l))).toBe(true)
    expect(lines.filter((l) => / (ACCEPTED|REJECTED)\b/.test(l))).toHaveLength(57)
    expect(lines.find((l) => l.includes('(front-run: copied, other terms)'))).toMatch(
      /U36 .* {3}800 {6}0\.01 +\d+ {5}3 {2}REJECTED {2}contract: binding-mismatch {2}\(front-run/,
    )
  })

  it("settles on chain with the embedded run's totals, payees and payee checks", () => {
    const keyC = keyIn(chain)
    const keyE = keyIn(embedded)
    expect(chain.settlement.totalFen).toBe(embedded.settlement.totalFen)
    expect(chain.settlement.payees.map((p) => [p.key, p.role, p.bids, p.payableWh, p.subsidyFen])).toEqual(
      embedded.settlement.payees.map((p) => [p.key, p.role, p.bids, p.payableWh, p.subsidyFen]),
    )
    const records = (log: DemandResponseLog, key: (did: string) => string | undefined) =>
      log.settlement.records.map((r) => [
        key(r.participant),
        key(r.actingFor),
        key(r.payee),
        r.payeeBasis,
        r.committedWh,
        r.deliveredKwh,
        r.payableWh,
        r.priceFen,
        r.subsidyFen,
      ])
    expect(records(chain, keyC)).toEqual(records(embedded, keyE))
    expect(chain.settlement.payeeChecks.filter((c) => !c.allowed).map((c) => [keyC(c.aggregator), keyC(c.user), c.reasons])).toEqual([
      ['A2', 'U30', ['mandate-action']],
    ])
    // 29 claims went through; U30's (a mandate for bidding only) was refused by the attestors and reverted.
    expect(chain.claims!.filter((c) => c.accepted)).toHaveLength(29)
    expect(chain.claims!.filter((c) => !c.accepted).map((c) => c.reasons.map((r) => `${r.by}:${r.code}`))).toEqual([
      ['role-check:mandate-action', 'gate:not-enough-signatures'],
    ])
  })

  it('anchors the root the settlement contract stored, and the records re-derive it', async () => {
    const { settlement } = chain
    expect(settlement.chainRoot).toBe(settlement.merkleRoot)
    expect(chainSettlementRoot(settlement.chainRecords!)).toBe(`0x${settlement.merkleRoot}`)
    expect(settlement.resource).toBe(`${chain.utility}/resources/settlement-peak-2026-07-15-01`)
    // The utility's index of the chain is a SQLite file: the anchored root resolves from it after the run.
    const ledger = new SqliteLedger(chain.ledger)
    try {
      const { version } = await new GridResolver({ networks: { sgcc: ledger } }).resolveResource(settlement.resource)
      expect(version.cid).toBe(settlement.anchored.cid)
      expect(version.content).toMatchObject({
        merkleRoot: settlement.chainRoot,
        records: 48,
        totalFen: 33_671_200,
        chain: { chainId: 1337, settlement: chain.chain!.settlement },
      })
    } finally {
      await ledger.close()
    }
  })
})
