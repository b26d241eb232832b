/**
 * What did:grid is for, end to end, on a fresh embedded ledger: a provincial utility onboards a
 * group manufacturer's three production bases, fifty electricity users (through the CSV batch path)
 * and two load aggregators; thirty users mandate an aggregator; a peak-shaving event takes bids as
 * presentations; the response contract accepts or rejects each one with the role check; the
 * settlement contract pays subsidies and anchors the Merkle root of its records on the ledger.
 *
 * Run: npm run demo                      report on the terminal, JSON log in a temporary directory
 *      npm run demo -- --serve           also serve the resolver endpoint (browse DIDs; Ctrl-C to stop)
 *      npm run demo -- --out DIR         keep the ledger and the log in DIR (must hold no ledger yet)
 *      npm run demo -- --chain           the same story on an in-process EVM chain: the registry, the
 *                                        role gate with four attestors, and the Solidity contracts
 *
 * It uses only the package's public API, as an outside service would.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import {
  Ed25519KeyPair,
  MemoryStatusIndexStore,
  StatusRegistry,
  createDid,
  issueCredentialBatch,
  issueMandate,
  issueRoleCredential,
  publishRoleSchemas,
  publishTrustRegistry,
  trustRegistryUrl,
  type CredentialCsvError,
  type JwtSigner,
  type RoleName,
} from 'grid-did'
import { createHandler, serve, type RunningServer } from 'grid-did/server'
import {
  AGGREGATORS,
  BASES,
  BLOCK_SECONDS,
  CASES,
  CLOCK,
  DELIVERY_RATIO,
  EVENT,
  FRONT_RUN,
  OVER_CAP_PRICE_FEN,
  PILOT_USERS,
  USERS,
  cst,
  yuan,
  type UserData,
} from './data.js'
import { EmbeddedMarket } from './embedded-market.js'
import type { BidAsk, ClaimOutcome, Market, MarketDecision, MarketSettlement, PreparedBid } from './market.js'
import type { Delivery, Invitation } from './response-contract.js'

/** Options of {@link runDemandResponse}. */
export interface DemandResponseOptions {
  /** Where the ledger (`ledger.db`) and the log go; default a new temporary directory. Must hold no ledger yet. */
  dir?: string
  /** Serve the resolver endpoint during the run (port 0 picks a free one). */
  serve?: boolean | { port?: number }
  /** With `serve`: called after the report, before the endpoint stops (the CLI waits for Ctrl-C). */
  hold?: (server: { url: string; utility: string }) => Promise<void>
  /** Where the report goes, line by line; default the console. */
  print?: (line: string) => void
  /**
   * Run the story on an in-process EVM dev chain instead: the did:grid registry, the role gate with
   * four attestors (threshold three) and the Solidity demand-response and settlement contracts.
   */
  chain?: boolean
}

/** A participant of the story. */
export interface Participant {
  /** `UTILITY`, `U01`…`U50`, `A1`, `A2`, `B1`…`B3`. */
  key: string
  name: string
  role: RoleName | 'utility'
  did: string
}

/** A bid as logged: the contract's decision, who made it, and which part of the story it is. */
export interface LoggedBid extends MarketDecision {
  participant: string
  /** Key of the user acted for, when not the bidder itself. */
  actingForKey?: string
  /** The special case this bid shows, if any. */
  note?: string
}

/** Subsidies per payee. */
export interface PayeeTotal {
  payee: string
  key: string
  role: string
  bids: number
  payableWh: number
  subsidyFen: number
}

/** The run's JSON log (also written to `logFile`). */
export interface DemandResponseLog {
  /** `embedded` (`npm run demo`) or `chain` (`--chain`). */
  market: Market['kind']
  /** On chain: the chain id and the contracts' and attestors' addresses. */
  chain?: Record<string, string>
  ledger: string
  logFile: string
  resolverUrl?: string
  utility: string
  trustRegistry: string
  participants: Participant[]
  onboarding: { pilot: { issued: number; errors: CredentialCsvError[] }; batch: { issued: number; errors: CredentialCsvError[] } }
  event: Invitation & { times: Record<'invitedAt' | 'bidsCloseAt' | 'start' | 'end', string> }
  bids: LoggedBid[]
  deliveries: Delivery[]
  /** On chain: what came of each aggregator's claim to be paid under its mandate. */
  claims?: ClaimOutcome[]
  settlement: MarketSettlement & { payees: PayeeTotal[] }
  totals: {
    bids: number
    accepted: number
    rejected: number
    committedWh: number
    deliveredKwh: number
    payableWh: number
    subsidyFen: number
    subsidyFenByPayeeRole: Record<string, number>
  }
  durationMs: number
  completed: true
}

interface Party extends Participant {
  signer: JwtSigner
}

const USER_HEADER = 'subject,accountNumber,meterIds,voltageLevel,contractedCapacityKva,region'

/**
 * Runs the whole story on a fresh embedded ledger and returns its log. Decisions and totals are the
 * same on every run (seeded data, simulated block clock); only the DIDs differ.
 */
export async function runDemandResponse(options: DemandResponseOptions = {}): Promise<DemandResponseLog> {
  const started = performance.now()
  const print = options.print ?? ((line: string) => console.log(line))
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'grid-did-demand-response-'))
  mkdirSync(dir, { recursive: true })
  const ledgerFile = join(dir, 'ledger.db')
  if (existsSync(ledgerFile))
    throw new Error(`${ledgerFile} exists: the demo runs on a fresh store, so give it a directory without a ledger`)

  // The simulated chain: one clock for the ledger's anchoring times and for every block the
  // contracts execute in (on the EVM chain, every block's timestamp); heights are the ledger's own.
  let now = CLOCK.setup
  const clock = () => now
  const market: Market = options.chain
    ? await (await import('./chain-market.js')).ChainMarket.create({ dir, ledgerFile, now: clock })
    : new EmbeddedMarket(ledgerFile, clock)
  const { ledger, resolver } = market
  const step = (text: string) => print(`\n${text}`)
  const show = (label: string, value: string | number) => print(`   ${label.padEnd(24)} ${value}`)
  let server: RunningServer | undefined

  try {
    print(`did:grid demand response — ${market.title}`)

    // -------------------------------------------------------------------------------------------
    step(`1. ${cst(now)}  The provincial utility creates its DID and publishes the role schemas and its trust registry.`)
    const utility = await newParty('UTILITY', 'State Grid Zhejiang Electric Power', 'utility')
    await ledger.submit([utility.op.bytes])
    const author = { did: utility.did, signer: utility.signer.signer }
    const target = { ledger, resolver }
    const schemas = await publishRoleSchemas(author, target)
    await publishTrustRegistry(author, target, {
      roles: {
        user: { issuers: [utility.did], schema: schemas.user },
        aggregator: { issuers: [utility.did], schema: schemas.aggregator },
        'production-base': { issuers: [utility.did], schema: schemas['production-base'] },
      },
      mandate: { schema: schemas.mandate },
    })
    const trustRegistry = trustRegistryUrl(utility.did)
    show('utility', utility.did)
    show('trust registry', trustRegistry)
    const deployed = await market.start(author, trustRegistry)
    for (const [what, value] of Object.entries(deployed)) show(what, value)
    if (options.serve) {
      const port = typeof options.serve === 'object' ? (options.serve.port ?? 0) : 0
      server = await serve(createHandler({ resolver, testIdentifiers: [utility.did] }), { port, log: false })
      show('resolver endpoint', `${server.url}/1.0/identifiers/${utility.did}`)
    }

    // -------------------------------------------------------------------------------------------
    step("2. Haitong Motor Group's 3 production bases, 50 electricity users and 2 load aggregators create their DIDs.")
    const made = await Promise.all([
      ...BASES.map((b) => newParty(b.key, b.name, 'production-base')),
      ...USERS.map((u) => newParty(u.key, u.name, 'user')),
      ...AGGREGATORS.map((a) => newParty(a.key, a.name, 'aggregator')),
    ])
    await ledger.submit(made.map((p) => p.op.bytes)) // one batch, one Merkle root
    const parties = new Map<string, Party>([[utility.key, utility.party], ...made.map((p) => [p.key, p.party] as const)])
    const byDid = new Map([...parties.values()].map((p) => [p.did, p]))
    const party = (key: string) => parties.get(key)!
    show('DIDs anchored', `${parties.size} (1 utility + 3 bases + 50 users + 2 aggregators), ledger height ${(await ledger.head()).height}`)

    // -------------------------------------------------------------------------------------------
    const status = new StatusRegistry({ ...author, ...target, store: new MemoryStatusIndexStore() })
    const issuer = utility.signer
    now = CLOCK.pilot
    step(`3. ${cst(now)}  Last year's pilot: ${PILOT_USERS.length} users get one-year credentials through the CSV batch path.`)
    const pilot = await issueCredentialBatch({
      issuer,
      role: 'user',
      schema: schemas.user,
      status,
      resolver,
      issuedAt: now,
      validUntil: CLOCK.pilotUntil,
      csv: userCsv(
        USERS.filter((u) => PILOT_USERS.includes(u.key)),
        parties,
      ),
    })
    show('issued', `${pilot.issued.length}, valid until ${cst(CLOCK.pilotUntil)}`)

    now = CLOCK.onboarding
    step(
      `4. ${cst(now)}  This year's onboarding: all 50 users from one CSV; the aggregators and production bases one by one; 30 users mandate an aggregator.`,
    )
    const batch = await issueCredentialBatch({
      issuer,
      role: 'user',
      schema: schemas.user,
      status,
      resolver,
      issuedAt: now,
      validUntil: CLOCK.credentialsUntil,
      csv: userCsv(USERS, parties, CASES.expired),
    })
    show('users issued', `${batch.issued.length} of ${USERS.length}, valid until ${cst(CLOCK.credentialsUntil)}`)
    for (const e of batch.errors) show(`  refused line ${e.line}`, `${byDid.get(e.subject!)?.key}: ${e.reason}`)
    show('', `so ${CASES.expired} holds only its pilot credential, which expired on ${cst(CLOCK.pilotUntil)}`)

    const credential = new Map<string, string>()
    for (const i of pilot.issued) credential.set(byDid.get(i.subject)!.key, i.jwt)
    for (const i of batch.issued) credential.set(byDid.get(i.subject)!.key, i.jwt)
    for (const a of AGGREGATORS) {
      credential.set(
        a.key,
        await issueRoleCredential({
          issuer,
          role: 'aggregator',
          subject: party(a.key).did,
          claims: a.claims,
          schema: schemas.aggregator,
          status,
          issuedAt: now,
          validUntil: CLOCK.credentialsUntil,
        }),
      )
    }
    for (const b of BASES) {
      credential.set(
        b.key,
        await issueRoleCredential({
          issuer,
          role: 'production-base',
          subject: party(b.key).did,
          claims: b.claims,
          schema: schemas['production-base'],
          status,
          issuedAt: now,
          validUntil: CLOCK.credentialsUntil,
        }),
      )
    }
    show(
      'aggregators',
      AGGREGATORS.map((a) => `${a.key} ${a.claims.organizationName} (licensed ${a.claims.licensedRegions.join(', ')})`).join('; '),
    )
    show('production bases', BASES.map((b) => `${b.key} ${b.claims.baseId} (max load ${b.claims.maxLoadKw} kW)`).join('; '))
    const mandate = new Map<string, string>()
    for (const u of USERS) {
      if (!u.mandate) continue
      mandate.set(
        u.key,
        await issueMandate({
          user: party(u.key).signer,
          aggregator: party(u.mandate.aggregator).did,
          actions: u.mandate.actions,
          maxKw: u.mandate.maxKw,
          schema: schemas.mandate,
          issuedAt: now,
          validUntil: CLOCK.mandatesUntil,
        }),
      )
    }
    show('mandates', `U01-U15 → A1, U16-U30 → A2 (U30's covers bidding only, not settlement)`)

    now = CLOCK.revocation
    await status.revoke(credential.get(CASES.revoked)!)
    step(`5. ${cst(now)}  ${CASES.revoked} closes its account: the utility revokes its credential.`)
    now = CLOCK.suspension
    await status.suspend(credential.get(CASES.suspended)!)
    print(`   ${cst(now)}  ${CASES.suspended} is under a meter-tampering inquiry: the utility suspends its credential.`)

    // -------------------------------------------------------------------------------------------
    now = EVENT.invitedAt
    const invitation = await market.invite(EVENT)
    step(
      `6. ${cst(now)}  Peak shaving ${cst(EVENT.start).slice(11, 16)}-${cst(EVENT.end).slice(11, 16)} is invited 4 hours ahead, capped at ${yuan(EVENT.priceCapFen)} yuan/kWh; bids until ${cst(EVENT.bidsCloseAt).slice(11, 16)}.`,
    )
    show('contract (audience)', invitation.audience)
    show('challenge', invitation.challenge)

    const bids: LoggedBid[] = []
    const prepared = new Map<number, PreparedBid>()
    const present = (bidder: string, ask: BidAsk, credentials: string[]) => market.present(party(bidder), ask, credentials)
    /** In the next block, sends the bid `make` makes ready (or a copy of one under other terms, `ask`). */
    const send = async (make: () => Promise<PreparedBid> | PreparedBid, ask: BidAsk | undefined, note?: string) => {
      now += BLOCK_SECONDS
      const bid = await make()
      const decision = await market.send(bid, ask)
      const onBehalfOf = (ask ?? bid.ask).onBehalfOf
      const actingForKey = onBehalfOf ? byDid.get(onBehalfOf)?.key : undefined
      bids.push({ ...decision, participant: bid.bidder.key, ...(actingForKey ? { actingForKey } : {}), ...(note ? { note } : {}) })
      prepared.set(decision.n, bid)
      return decision
    }
    const submit = (bidder: string, ask: BidAsk, credentials: string[], note?: string) =>
      send(async () => market.prepare(party(bidder), ask, await present(bidder, ask, credentials)), undefined, note)
    const notes: Record<string, string> = {
      [CASES.revoked]: 'revoked',
      [CASES.suspended]: 'while suspended',
      [CASES.expired]: 'expired credential',
      [CASES.overCap]: 'above the price cap',
    }
    // Users bidding for themselves.
    for (const u of USERS.slice(30)) {
      if (u.key === CASES.late) continue
      if (u.key === CASES.frontRun) {
        // An eavesdropper copies U36's pending bid into one of its own making, 800 kW at 1 fen, and
        // gets it into the block before: the binding refuses it, and U36's bid still stands.
        const ask = { role: 'user' as const, capacityKw: u.bid.capacityKw, priceFen: u.bid.priceFen }
        const pending = await market.prepare(party(u.key), ask, await present(u.key, ask, [credential.get(u.key)!]))
        await send(
          () => pending,
          { role: 'user', capacityKw: FRONT_RUN.capacityKw, priceFen: FRONT_RUN.priceFen },
          'front-run: copied, other terms',
        )
        await send(() => pending, undefined, 'its own terms, after the copy')
        continue
      }
      await submit(
        u.key,
        { role: 'user', capacityKw: u.bid.capacityKw, priceFen: u.key === CASES.overCap ? OVER_CAP_PRICE_FEN : u.bid.priceFen },
        [credential.get(u.key)!],
        notes[u.key],
      )
    }
    // Someone resubmits U35's presentation, terms and all, while it is still fresh: the role check alone would pass it.
    const victim = bids.find((b) => b.participant === CASES.replayed)!
    const original = prepared.get(victim.n)!
    await send(() => market.prepare(original.bidder, original.ask, original.presentation), undefined, 'replayed presentation')
    // The aggregators bid for their mandated users, one bid per user: its own credential, the mandate, the user's credential.
    for (const a of AGGREGATORS) {
      for (const u of USERS.filter((x) => x.mandate?.aggregator === a.key)) {
        await submit(a.key, { role: 'aggregator', onBehalfOf: party(u.key).did, capacityKw: u.bid.capacityKw, priceFen: a.priceFen }, [
          credential.get(a.key)!,
          mandate.get(u.key)!,
          credential.get(u.key)!,
        ])
      }
      if (a.key === 'A1') {
        const u = USERS.find((x) => x.key === CASES.noMandate)!
        await submit(
          a.key,
          { role: 'aggregator', onBehalfOf: party(u.key).did, capacityKw: u.bid.capacityKw, priceFen: a.priceFen },
          [credential.get(a.key)!, credential.get(u.key)!],
          'no mandate',
        )
      }
    }
    for (const b of BASES) {
      await submit(
        b.key,
        { role: 'production-base', capacityKw: b.bid.capacityKw, priceFen: b.bid.priceFen },
        [credential.get(b.key)!],
        b.bid.capacityKw > b.claims.maxLoadKw ? 'above its maximum load' : undefined,
      )
    }
    now = CLOCK.reinstatement
    await status.reinstate(credential.get(CASES.suspended)!)
    now += 10 * 60
    const again = USERS.find((u) => u.key === CASES.suspended)!
    await submit(
      again.key,
      { role: 'user', capacityKw: again.bid.capacityKw, priceFen: again.bid.priceFen },
      [credential.get(again.key)!],
      'after reinstatement',
    )
    now = EVENT.bidsCloseAt + 5 * 60 - BLOCK_SECONDS
    const late = USERS.find((u) => u.key === CASES.late)!
    await submit(
      late.key,
      { role: 'user', capacityKw: late.bid.capacityKw, priceFen: late.bid.priceFen },
      [credential.get(late.key)!],
      'after the bids closed',
    )

    step(
      `7. ${bids.length} bids, each decided by ${market.kind === 'chain' ? 'the attestors (role check) and the demand-response contract (its own rules, then the gate)' : 'the response contract (role check + its own rules)'} in the block it arrived in.`,
    )
    printBids(print, bids, parties)

    // -------------------------------------------------------------------------------------------
    now = CLOCK.metering
    const hours = (EVENT.end - EVENT.start) / 3600
    for (const b of bids.filter((x) => x.accepted)) {
      const who = b.actingForKey ?? b.participant
      await market.recordDelivery(b, Math.round(b.capacityKw * hours * DELIVERY_RATIO[who]!))
    }
    step(`8. ${cst(now)}  Metering: the delivered response of ${market.deliveries.length} accepted bids is recorded.`)

    now = CLOCK.settlement
    await market.openSettlement()
    // Each aggregator claims the subsidies of the bids it made under a mandate.
    now += BLOCK_SECONDS
    const claims: ClaimOutcome[] = []
    for (const b of bids.filter((x) => x.accepted && x.actingForKey)) {
      claims.push(
        await market.claim(b, party(b.participant), [
          credential.get(b.participant)!,
          mandate.get(b.actingForKey!)!,
          credential.get(b.actingForKey!)!,
        ]),
      )
    }
    now += BLOCK_SECONDS
    const settled = await market.settle()
    const payees = payeeTotals(settled, byDid)
    step(`9. ${cst(now)}  Settlement (pay as bid, delivered kWh up to the commitment, nothing below half of it).`)
    printSettlement(print, settled, payees, parties)

    const totals = {
      bids: bids.length,
      accepted: bids.filter((b) => b.accepted).length,
      rejected: bids.filter((b) => !b.accepted).length,
      committedWh: sum(settled.records.map((r) => r.committedWh)),
      deliveredKwh: sum(settled.records.map((r) => r.deliveredKwh)),
      payableWh: sum(settled.records.map((r) => r.payableWh)),
      subsidyFen: settled.totalFen,
      subsidyFenByPayeeRole: Object.fromEntries(
        ['user', 'aggregator', 'production-base'].map((role) => [
          role,
          sum(payees.filter((p) => p.role === role).map((p) => p.subsidyFen)),
        ]),
      ),
    }
    print('')
    show('bids', `${totals.bids}: ${totals.accepted} accepted, ${totals.rejected} rejected`)
    show('energy', `${kwh(totals.committedWh)} kWh committed, ${totals.deliveredKwh} delivered, ${kwh(totals.payableWh)} paid for`)
    show(
      'subsidies',
      `${yuan(totals.subsidyFen)} yuan: users ${yuan(totals.subsidyFenByPayeeRole.user!)}, aggregators ${yuan(totals.subsidyFenByPayeeRole.aggregator!)}, production bases ${yuan(totals.subsidyFenByPayeeRole['production-base']!)}`,
    )
    if (market.kind === 'chain') printGas(show, bids, claims, settled)
    show('settlement Merkle root', settled.merkleRoot)
    show('anchored as', `${settled.resource} (version ${settled.anchored.versionId}, height ${settled.anchored.height})`)
    const check = await resolver.resolveResource(settled.resource)
    show('resolves to root', String(check.version.content.merkleRoot))

    const log: DemandResponseLog = {
      market: market.kind,
      ...(Object.keys(deployed).length > 0 ? { chain: deployed } : {}),
      ledger: market.ledgerFile,
      logFile: join(dir, 'demand-response-log.json'),
      ...(server ? { resolverUrl: server.url } : {}),
      utility: utility.did,
      trustRegistry,
      participants: [...parties.values()].map(({ key, name, role, did }) => ({ key, name, role, did })),
      onboarding: {
        pilot: { issued: pilot.issued.length, errors: pilot.errors },
        batch: { issued: batch.issued.length, errors: batch.errors },
      },
      event: {
        ...invitation,
        times: {
          invitedAt: cst(invitation.invitedAt),
          bidsCloseAt: cst(invitation.bidsCloseAt),
          start: cst(invitation.start),
          end: cst(invitation.end),
        },
      },
      bids,
      deliveries: [...market.deliveries],
      ...(market.kind === 'chain' ? { claims } : {}),
      settlement: { ...settled, payees },
      totals,
      durationMs: Math.round(performance.now() - started),
      completed: true,
    }
    writeFileSync(log.logFile, `${JSON.stringify(log, null, 2)}\n`)
    show('JSON log', log.logFile)
    show('wall time', `${(log.durationMs / 1000).toFixed(1)} s`)
    if (!server)
      print(
        `\nTo browse the DIDs, credentials' status lists and the settlement root while the run is up: npm run demo -- ${market.kind === 'chain' ? '--chain ' : ''}--serve`,
      )
    if (server && options.hold) {
      print("\nThe resolver endpoint is still serving the run's ledger. Try:")
      for (const url of [utility.did, `${utility.did}/resources/trust-registry`, settled.resource, party(CASES.revoked).did])
        print(`   curl ${server.url}/1.0/identifiers/${url}`)
      await options.hold({ url: server.url, utility: utility.did })
    }
    return log
  } finally {
    await server?.close()
    await market.close()
  }
}

/** A new DID whose key-1 authenticates and asserts (update and recovery keys are thrown away: nobody needs them here). */
async function newParty(key: string, name: string, role: Participant['role']) {
  const signing = Ed25519KeyPair.generate()
  const op = await createDid({
    network: 'sgcc',
    updateKey: Ed25519KeyPair.generate(),
    recoveryKey: Ed25519KeyPair.generate(),
    document: {
      verificationMethods: [
        { id: 'key-1', type: 'Multikey', publicKeyMultibase: signing.publicKeyMultibase, purposes: ['authentication', 'assertionMethod'] },
      ],
    },
  })
  const signer: JwtSigner = { did: op.did, keyId: 'key-1', signer: signing }
  const party: Party = { key, name, role, did: op.did, signer }
  return { key, did: op.did, op, signer, party }
}

/** The users' CSV, as an onboarding team would export it. `typo` gets a capacity with its unit typed in. */
function userCsv(users: readonly UserData[], parties: Map<string, Party>, typo?: string): string {
  const rows = users.map((u) => {
    const c = u.claims
    const capacity = u.key === typo ? `${c.contractedCapacityKva}kVA` : String(c.contractedCapacityKva)
    return [parties.get(u.key)!.did, c.accountNumber, c.meterIds.join(';'), c.voltageLevel, capacity, c.region].join(',')
  })
  return [USER_HEADER, ...rows].join('\n')
}

function payeeTotals(settled: MarketSettlement, byDid: Map<string, Party>): PayeeTotal[] {
  const totals = new Map<string, PayeeTotal>()
  for (const r of settled.records) {
    const p = byDid.get(r.payee)!
    const t = totals.get(r.payee) ?? { payee: r.payee, key: p.key, role: p.role, bids: 0, payableWh: 0, subsidyFen: 0 }
    t.bids++
    t.payableWh += r.payableWh
    t.subsidyFen += r.subsidyFen
    totals.set(r.payee, t)
  }
  return [...totals.values()].sort((a, b) => (a.key < b.key ? -1 : 1))
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0)
/** Whole Wh as kWh, with the fraction only when there is one. */
const kwh = (wh: number) => String(wh / 1000)
const label = (p: Party | undefined) => (p ? `${p.key} ${p.name}` : '?')

/** One row per bid; on chain with the bid transaction's gas, and the attestors' signatures it carried. */
function printBids(print: (line: string) => void, bids: readonly LoggedBid[], parties: Map<string, Party>): void {
  const chain = bids.some((b) => b.gasUsed !== undefined)
  const gasHeader = chain ? `${'gas'.padStart(7)}  sigs  ` : ''
  print(
    `   ${'#'.padStart(2)}  ${'time'.padEnd(8)}  ${'participant'.padEnd(28)}  ${'role'.padEnd(15)}  ${'for'.padEnd(3)}  ${'kW'.padStart(5)}  ${'yuan/kWh'.padStart(8)}  ${gasHeader}decision  reasons`,
  )
  for (const b of bids) {
    const who = parties.get(b.participant)
    const forWhom = b.actingForKey ?? '-'
    const reasons = [...new Set(b.reasons.map((r) => `${r.by === 'role-check' ? 'check' : r.by}: ${r.code}`))].join(', ')
    const gas = chain ? `${String(b.gasUsed ?? '-').padStart(7)}  ${String(b.signatures ?? 0).padStart(4)}  ` : ''
    print(
      `   ${String(b.n).padStart(2)}  ${cst(b.time).slice(11)}  ${label(who).padEnd(28)}  ${b.role.padEnd(15)}  ${forWhom.padEnd(3)}  ${String(b.capacityKw).padStart(5)}  ${yuan(b.priceFen).padStart(8)}  ${gas}${b.accepted ? 'ACCEPTED' : 'REJECTED'}  ${reasons}${b.note ? `${reasons ? '  ' : ''}(${b.note})` : ''}`.trimEnd(),
    )
  }
}

/** The gas the chain run spent: per bid (accepted and reverted), per claim, and the settlement. */
function printGas(
  show: (label: string, value: string | number) => void,
  bids: readonly LoggedBid[],
  claims: readonly ClaimOutcome[],
  settled: MarketSettlement,
): void {
  const stats = (values: number[]) =>
    values.length === 0
      ? '-'
      : `${Math.round(sum(values) / values.length)} on average (${Math.min(...values)}-${Math.max(...values)}), ${values.length} transactions`
  const gasOf = (list: readonly { gasUsed?: number }[]) => list.flatMap((x) => (x.gasUsed === undefined ? [] : [x.gasUsed]))
  show('gas per accepted bid', stats(gasOf(bids.filter((b) => b.accepted))))
  show('gas per reverted bid', stats(gasOf(bids.filter((b) => !b.accepted))))
  show('gas per claim', stats(gasOf(claims.filter((c) => c.accepted))))
  const refused = claims.filter((c) => !c.accepted)
  if (refused.length > 0)
    show(
      'claims refused',
      refused
        .map(
          (c) =>
            `bid ${c.bid}: ${[...new Set(c.reasons.map((r) => `${r.by === 'role-check' ? 'check' : r.by}: ${r.code}`))].join(', ')} (${c.gasUsed} gas)`,
        )
        .join('; '),
    )
  if (settled.gasUsed !== undefined)
    show('gas of the settlement', `${settled.gasUsed} (${settled.records.length} records, Merkle root on chain)`)
}

function printSettlement(
  print: (line: string) => void,
  settled: MarketSettlement,
  payees: readonly PayeeTotal[],
  parties: Map<string, Party>,
): void {
  const unpaid = settled.records.filter((r) => r.payableWh === 0)
  const refused = settled.payeeChecks.filter((c) => !c.allowed)
  print(
    `   ${'payee'.padEnd(32)}  ${'role'.padEnd(15)}  ${'bids'.padStart(4)}  ${'kWh paid'.padStart(8)}  ${'subsidy (yuan)'.padStart(14)}`,
  )
  for (const p of payees) {
    print(
      `   ${label(parties.get(p.key)).padEnd(32)}  ${p.role.padEnd(15)}  ${String(p.bids).padStart(4)}  ${kwh(p.payableWh).padStart(8)}  ${yuan(p.subsidyFen).padStart(14)}`,
    )
  }
  const keyOf = (did: string) => [...parties.values()].find((p) => p.did === did)?.key ?? '?'
  if (unpaid.length > 0)
    print(
      `   under half delivered, no subsidy: ${unpaid.map((r) => `${keyOf(r.actingFor)} (${r.deliveredKwh} of ${kwh(r.committedWh)} kWh)`).join(', ')}`,
    )
  for (const c of refused)
    print(
      `   paid to the user, not ${keyOf(c.aggregator)}: ${keyOf(c.user)}'s mandate check for settlement.receive says ${c.reasons.join(', ')}`,
    )
}

/** The CLI: `--serve` (with `--port N`), `--out DIR`, `--chain`. Expected errors are one line, exit 1. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      port: { type: 'string' },
      out: { type: 'string' },
      chain: { type: 'boolean', default: false },
    },
  })
  const port = values.port === undefined ? 0 : Number(values.port)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new RangeError('--port must be 0-65535')
  await runDemandResponse({
    ...(values.out ? { dir: resolve(values.out) } : {}),
    ...(values.serve ? { serve: { port } } : {}),
    ...(values.chain ? { chain: true } : {}),
    hold: () => {
      console.log('\nPress Ctrl-C to stop.')
      return new Promise<void>((done) => process.once('SIGINT', () => done()))
    },
  })
}

// Only when this file is run, not when the test imports it.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(`demo: ${err instanceof Error ? err.message : String(err)}`)
    process.exitCode = 1
  })
}
