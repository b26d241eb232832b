import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runDemandResponse, type DemandResponseLog } from '../../examples/demand-response/run.js'
import { recordHash } from '../../examples/demand-response/settlement-contract.js'
import { GridResolver, merkleRoot } from '../../src/index.js'
import { SqliteLedger } from '../../src/ledger/sqlite.js'

// The README's first command (`npm run demo`) runs this story. The test runs the same function, with
// the resolver endpoint on, and checks every decision and total: the data is seeded and the block
// clock simulated, so they are the same on every run (only the DIDs differ).
describe('examples/demand-response (npm run demo)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grid-did-demand-response-test-'))
  const lines: string[] = []
  let log: DemandResponseLog
  let served: { status: number; body: { contentStream?: Record<string, unknown> } } | undefined
  const key = (did: string | undefined) => log.participants.find((p) => p.did === did)?.key

  beforeAll(async () => {
    log = await runDemandResponse({
      dir,
      serve: { port: 0 },
      print: (line) => lines.push(line),
      // While the endpoint still serves the run's ledger, fetch the settlement root over HTTP.
      hold: async ({ url, utility }) => {
        const res = await fetch(`${url}/1.0/identifiers/${utility}/resources/settlement-peak-2026-07-15-01`)
        served = { status: res.status, body: (await res.json()) as { contentStream?: Record<string, unknown> } }
      },
    })
  }, 120_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('finishes, and writes the JSON log it returns', () => {
    expect(log.completed).toBe(true)
    expect(log.ledger).toBe(join(dir, 'ledger.db'))
    expect(JSON.parse(readFileSync(log.logFile, 'utf8'))).toEqual(JSON.parse(JSON.stringify(log)))
    expect(lines).toContain(`   JSON log                 ${log.logFile}`)
    expect(lines.some((l) => l.includes('resolver endpoint') && l.includes(`${log.resolverUrl}/1.0/identifiers/${log.utility}`))).toBe(true)
  })

  it('onboards exactly the parties of the issue: 56 DIDs, users through the CSV batch path', () => {
    const count = (role: string) => log.participants.filter((p) => p.role === role).length
    expect([count('utility'), count('production-base'), count('user'), count('aggregator')]).toEqual([1, 3, 50, 2])
    expect(new Set(log.participants.map((p) => p.did)).size).toBe(56)
    expect(log.onboarding.pilot).toEqual({ issued: 10, errors: [] })
    expect(log.onboarding.batch.issued).toBe(49)
    expect(log.onboarding.batch.errors.map((e) => ({ ...e, subject: key(e.subject) }))).toEqual([
      { line: 44, subject: 'U43', reason: 'contractedCapacityKva: "400kVA" is not a number' },
    ])
  })

  it('decides every bid: 48 accepted, 9 rejected, each special case with its exact reason', () => {
    expect(log.totals).toMatchObject({ bids: 57, accepted: 48, rejected: 9 })
    const rejected = log.bids
      .filter((b) => !b.accepted)
      .map((b) => [b.participant, b.actingForKey ?? null, b.note, b.reasons.map((r) => `${r.by}:${r.code}`)])
    expect(rejected).toEqual([
      ['U36', null, 'front-run: copied, other terms', ['role-check:binding-mismatch']],
      ['U41', null, 'revoked', ['role-check:status-revoked']],
      ['U42', null, 'while suspended', ['role-check:status-suspended']],
      ['U43', null, 'expired credential', ['role-check:credential-expired']],
      ['U46', null, 'above the price cap', ['contract:price-above-cap']],
      ['U35', null, 'replayed presentation', ['contract:presentation-replayed']],
      ['A1', 'U45', 'no mandate', ['role-check:mandate-missing']],
      ['B3', null, 'above its maximum load', ['role-check:capacity-exceeded']],
      ['U47', null, 'after the bids closed', ['contract:bid-window-closed']],
    ])
    // Reasons that did not come from the role check came from the contract alone: the role check
    // passed the replayed presentation, the over-cap price and the late bid.
    for (const b of log.bids.filter((x) => x.reasons.every((r) => r.by === 'contract'))) expect(b.roleCheckAllowed).toBe(true)
    const replay = log.bids.find((b) => b.note === 'replayed presentation')!
    const original = log.bids.find((b) => b.participant === 'U35' && b.accepted)!
    expect(replay.roleCheckAllowed).toBe(true)
    expect(replay.time - original.time).toBeLessThan(300) // still inside the presentation's validity
    // The suspended user is refused while suspended and accepted after reinstatement, at a later height.
    const u42 = log.bids.filter((b) => b.participant === 'U42')
    expect(u42.map((b) => [b.accepted, b.note])).toEqual([
      [false, 'while suspended'],
      [true, 'after reinstatement'],
    ])
    expect(u42[1]!.height).toBeGreaterThan(u42[0]!.height)
    // Aggregators bid for their 30 mandated users, one accepted bid each.
    const byAggregator = log.bids.filter((b) => b.role === 'aggregator' && b.accepted)
    expect(byAggregator.map((b) => `${b.participant}>${b.actingForKey}`)).toEqual(
      Array.from({ length: 30 }, (_, i) => `${i < 15 ? 'A1' : 'A2'}>U${String(i + 1).padStart(2, '0')}`),
    )
    expect(byAggregator.every((b) => key(b.actingFor) === b.actingForKey && key(b.holder) === b.participant)).toBe(true)
    // Every decision was taken at its own block time, in the bidding window or (for the late bid) just after.
    expect(log.bids.every((b, i) => i === 0 || b.time > log.bids[i - 1]!.time)).toBe(true)
  })

  it("refuses a pending bid's presentation copied under other terms, and then accepts the genuine bid", () => {
    const i = log.bids.findIndex((b) => b.note === 'front-run: copied, other terms')
    const [copy, genuine] = [log.bids[i]!, log.bids[i + 1]!]
    // The copy names U36 as holder (it is U36's presentation) but asks 800 kW at 1 fen.
    expect([copy.participant, key(copy.holder), copy.capacityKw, copy.priceFen, copy.accepted, copy.roleCheckAllowed]).toEqual([
      'U36',
      'U36',
      800,
      1,
      false,
      false,
    ])
    expect(copy.reasons).toEqual([
      {
        by: 'role-check',
        code: 'binding-mismatch',
        message: expect.stringMatching(/^the presentation is bound to other terms \(0x[0-9a-f]{64}\) than the check's 0x[0-9a-f]{64}$/),
      },
    ])
    // The same presentation with the terms U36 signed, one block later: accepted, not a replay.
    expect([genuine.participant, genuine.note, genuine.capacityKw, genuine.priceFen, genuine.accepted, genuine.reasons]).toEqual([
      'U36',
      'its own terms, after the copy',
      360,
      1000,
      true,
      [],
    ])
    expect(genuine.time - copy.time).toBe(6)
    // It is settled on its own terms.
    const record = log.settlement.records.find((r) => r.bid === genuine.n)!
    expect([record.committedWh, record.priceFen]).toEqual([720_000, 1000])
    expect(log.settlement.records.some((r) => r.bid === copy.n)).toBe(false)
  })

  it('pays the aggregators under a mandate covering settlement, and the user when it does not', () => {
    const { records, payeeChecks } = log.settlement
    expect(records).toHaveLength(48)
    const mandated = records.filter((r) => r.role === 'aggregator')
    expect(mandated).toHaveLength(30)
    for (const r of mandated) {
      const user = key(r.actingFor)
      if (user === 'U30') expect([key(r.payee), r.payeeBasis]).toEqual(['U30', 'user:mandate-action'])
      else expect([key(r.payee), r.payeeBasis]).toEqual([key(r.participant), 'mandate'])
    }
    expect(payeeChecks.filter((c) => !c.allowed).map((c) => [key(c.aggregator), key(c.user), c.reasons])).toEqual([
      ['A2', 'U30', ['mandate-action']],
    ])
    for (const r of records.filter((x) => x.role !== 'aggregator')) expect([r.payee, r.payeeBasis]).toEqual([r.participant, 'self'])
  })

  it('computes the subsidies by the stated rule, with the exact totals of the seeded data', () => {
    for (const r of log.settlement.records) {
      expect(r.committedWh).toBe(log.bids[r.bid - 1]!.capacityKw * 2000)
      expect(r.payableWh).toBe(r.deliveredKwh * 2000 < r.committedWh ? 0 : Math.min(r.deliveredKwh * 1000, r.committedWh))
      expect(r.priceFen).toBeLessThanOrEqual(1500)
      expect(r.subsidyFen).toBe((r.payableWh / 1000) * r.priceFen)
    }
    expect(log.totals).toEqual({
      bids: 57,
      accepted: 48,
      rejected: 9,
      committedWh: 36_840_000,
      deliveredKwh: 31_788,
      payableWh: 29_927_000,
      subsidyFen: 33_671_200,
      subsidyFenByPayeeRole: { user: 8_115_550, aggregator: 17_617_650, 'production-base': 7_938_000 },
    })
    expect(Object.fromEntries(log.settlement.payees.map((p) => [p.key, p.subsidyFen]))).toEqual({
      A1: 9_817_200,
      A2: 7_800_450,
      B1: 6_000_000,
      B2: 1_938_000,
      U30: 279_450,
      U31: 1_324_400,
      U32: 96_000,
      U33: 0,
      U34: 1_092_000,
      U35: 595_650,
      U36: 720_000,
      U37: 252_000,
      U38: 200_450,
      U39: 188_750,
      U40: 222_000,
      U42: 200_000,
      U44: 442_850,
      U45: 644_000,
      U48: 1_445_000,
      U49: 163_000,
      U50: 250_000,
    })
    expect(
      log.settlement.records
        .filter((r) => r.payableWh === 0)
        .map((r) => log.bids[r.bid - 1]!.actingForKey ?? log.bids[r.bid - 1]!.participant),
    ).toEqual(['U33', 'U07', 'U12', 'U19'])
  })

  it("anchors the records' Merkle root on the ledger: it resolves, and matches the records in the log", async () => {
    const { settlement } = log
    const root = Buffer.from(merkleRoot(settlement.records.map(recordHash))).toString('hex')
    expect(settlement.merkleRoot).toBe(root)
    expect(settlement.resource).toBe(`${log.utility}/resources/settlement-peak-2026-07-15-01`)
    expect(existsSync(log.ledger)).toBe(true)
    const ledger = new SqliteLedger(log.ledger)
    try {
      const { version } = await new GridResolver({ networks: { sgcc: ledger } }).resolveResource(settlement.resource)
      expect(version.resourceType).toBe('GridSettlementRoot')
      expect(version.cid).toBe(settlement.anchored.cid)
      expect(version.content).toMatchObject({ merkleRoot: root, records: 48, totalFen: 33_671_200, event: 'peak-2026-07-15-01' })
    } finally {
      await ledger.close()
    }
    // …and the endpoint served it during the run.
    expect(served?.status).toBe(200)
    expect(served?.body.contentStream).toMatchObject({ merkleRoot: root, totalFen: 33_671_200 })
  })

  it('prints a readable report: one row per bid, one per payee', () => {
    const bidRows = lines.filter((l) => / (ACCEPTED|REJECTED)\b/.test(l))
    expect(bidRows).toHaveLength(57)
    expect(bidRows.find((l) => l.includes('(replayed presentation)'))).toMatch(/U35 .* REJECTED {2}contract: presentation-replayed/)
    expect(bidRows.find((l) => l.includes('(front-run: copied, other terms)'))).toMatch(
      /U36 .* {3}800 {6}0\.01 {2}REJECTED {2}check: binding-mismatch {2}\(front-run/,
    )
    expect(lines).toContain('   bids                     57: 48 accepted, 9 rejected')
    expect(lines).toContain('   subsidies                336712.00 yuan: users 81155.50, aggregators 176176.50, production bases 79380.00')
    expect(lines).toContain(`   settlement Merkle root   ${log.settlement.merkleRoot}`)
  })
})
