import { describe, expect, it } from 'vitest'
import {
  LedgerClosedError,
  checkRole,
  createPresentation,
  deactivateDid,
  issueCredentialBatch,
  parseCredentialCsv,
  type CredentialCsvError,
} from '../../src/index.js'
import { expectRejects } from '../helpers.js'
import { DAY, World } from './world.js'

// Subjects only need to be well-formed DIDs for parsing; the batch test uses real ones.
const did = (c: string) => `did:grid:test:${c.repeat(51)}a`
const A = did('a')
const B = did('b')
const C = did('c')
const USER = 'subject,accountNumber,meterIds,voltageLevel,contractedCapacityKva,region'

function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}

describe('parseCredentialCsv', () => {
  it('types cells by the role schema: numbers, integers, ;-separated arrays; empty cells left out', () => {
    const text = [USER, `${A},3301060001,M-1; M-2 ;;M-3,10kV,800,330106`, `${B},3301060002,M-9,380V,12.5,330102`].join('\n')
    expect(parseCredentialCsv(text, 'user')).toEqual({
      rows: [
        {
          line: 2,
          subject: A,
          claims: {
            accountNumber: '3301060001',
            meterIds: ['M-1', 'M-2', 'M-3'],
            voltageLevel: '10kV',
            contractedCapacityKva: 800,
            region: '330106',
          },
        },
        {
          line: 3,
          subject: B,
          claims: { accountNumber: '3301060002', meterIds: ['M-9'], voltageLevel: '380V', contractedCapacityKva: 12.5, region: '330102' },
        },
      ],
      errors: [],
    })
    const base = parseCredentialCsv(
      `subject,groupId,baseId,region,maxLoadKw,priorityClass\n${A},acme,acme-1,330200,12000,2\n`,
      'production-base',
    )
    expect(base.rows[0]!.claims).toEqual({ groupId: 'acme', baseId: 'acme-1', region: '330200', maxLoadKw: 12_000, priorityClass: 2 })
    const agg = parseCredentialCsv(
      `subject,organizationName,unifiedSocialCreditCode,licensedRegions,maxAggregatedCapacityKw\n${A},"Qiantang Load Co., Ltd.",91350100M000100Y43,330100;330106,50000\n`,
      'aggregator',
    )
    expect(agg).toEqual({
      rows: [
        {
          line: 2,
          subject: A,
          claims: {
            organizationName: 'Qiantang Load Co., Ltd.',
            unifiedSocialCreditCode: '91350100M000100Y43',
            licensedRegions: ['330100', '330106'],
            maxAggregatedCapacityKw: 50_000,
          },
        },
      ],
      errors: [],
    })
  })

  it('reads a BOM, CRLF, quoted cells with commas, "" and line breaks, and blank lines; lines are where rows start', () => {
    const text = `\uFEFF${USER}\r\n\r\n"${A}","33010600-01","M-1;M-2","10kV","800","330106"\r\n   \r\n${B},3301060002,"M-3;\r\nM-4",380V,100,330102\r\n${C},"33""01",M-5,380V,100,330102\r\n`
    const { rows, errors } = parseCredentialCsv(text, 'user')
    expect(rows.map((r) => [r.line, r.subject, r.claims.meterIds])).toEqual([
      [3, A, ['M-1', 'M-2']],
      [5, B, ['M-3', 'M-4']],
    ])
    expect(errors).toEqual([
      { line: 7, subject: C, reason: 'user claims do not match the schema: /accountNumber: must match pattern "^[A-Za-z0-9-]{4,32}$"' },
    ])
  })

  it('reports each bad row with its line and exact reason, and keeps the good ones', () => {
    const text = [
      USER,
      `${A},3301060001,M-1,10kV,800,330106`,
      `${B},3301060002,M-2,10kV,800`,
      `,3301060003,M-3,10kV,800,330106`,
      `did:grid:bad,3301060004,M-4,10kV,800,330106`,
      `${A},3301060005,M-5,10kV,800,330106`,
      `${C},3301060006,M-6,10kV,8OO,330106`,
      `${did('d')},3301060007,M-7,10kV,-5,330106`,
      `${did('e')},3301060008,M-8,10kV,,330106`,
      `${did('f')},3301060009,M-9,10kV,1e3,990000`,
      `${did('g')},3301060010,M-10,10kV,800,330106,extra`,
    ].join('\n')
    const { rows, errors } = parseCredentialCsv(text, 'user')
    expect(rows.map((r) => r.line)).toEqual([2])
    expect(errors).toEqual<CredentialCsvError[]>([
      { line: 3, subject: B, reason: 'expected 6 cells, got 5' },
      { line: 4, reason: 'no subject' },
      {
        line: 5,
        subject: 'did:grid:bad',
        reason: 'a did:grid DID has 4 colon-separated parts (did:grid:<network>:<suffix>), got 3',
        code: 'ERR_GRID_INVALID_DID',
      },
      { line: 6, subject: A, reason: 'subject already on line 2' },
      { line: 7, subject: C, reason: 'contractedCapacityKva: "8OO" is not a number' },
      { line: 8, subject: did('d'), reason: 'user claims do not match the schema: /contractedCapacityKva: must be > 0' },
      { line: 9, subject: did('e'), reason: "user claims do not match the schema: /: must have required property 'contractedCapacityKva'" },
      { line: 10, subject: did('f'), reason: 'contractedCapacityKva: "1e3" is not a number' },
      { line: 11, subject: did('g'), reason: 'expected 6 cells, got 7' },
    ])
    const bases = parseCredentialCsv(
      `subject,groupId,baseId,region,maxLoadKw,priorityClass\n${A},acme,acme-1,330200,12000,2.5\n${B},acme,acme-2,330200,12000,6\n`,
      'production-base',
    )
    expect(bases.errors).toEqual([
      { line: 2, subject: A, reason: 'priorityClass: "2.5" is not an integer' },
      { line: 3, subject: B, reason: 'production-base claims do not match the schema: /priorityClass: must be <= 5' },
    ])
  })

  it('refuses a file it cannot read as a whole with a SyntaxError, and bad arguments with TypeError / RangeError', () => {
    const cases: [string, string][] = [
      ['', 'the CSV is empty: it needs a header starting with "subject"'],
      ['\n\n', 'the CSV is empty: it needs a header starting with "subject"'],
      [`accountNumber,subject\n3301060001,${A}`, 'the header must start with "subject"'],
      [
        `subject,accountNumber,tariff\n${A},3301060001,x`,
        'unknown column "tariff": user claims are accountNumber, meterIds, voltageLevel, contractedCapacityKva, region',
      ],
      [
        `subject,extensions\n${A},x`,
        'unknown column "extensions": user claims are accountNumber, meterIds, voltageLevel, contractedCapacityKva, region',
      ],
      [`subject,region,region\n${A},330106,330106`, 'column "region" appears twice'],
      [
        `${USER}\n${A},"3301"060001,M-1,10kV,800,330106`,
        'Invalid Closing Quote: got "0" at line 2 instead of delimiter, record delimiter, trimable character (if activated) or comment',
      ],
      [`${USER}\n${A},"3301060001,M-1,10kV,800,330106\n`, 'Quote Not Closed: the parsing is finished with an opening quote at line 2'],
    ]
    for (const [text, message] of cases) {
      const err = thrown(() => parseCredentialCsv(text, 'user'))
      expect(err, text).toBeInstanceOf(SyntaxError)
      expect(err.message, text).toBe(message)
    }
    expect(parseCredentialCsv(`${USER}\n`, 'user')).toEqual({ rows: [], errors: [] })
    const type = thrown(() => parseCredentialCsv(Buffer.from(USER) as never, 'user'))
    expect(type).toBeInstanceOf(TypeError)
    expect(type.message).toBe('text must be a string')
    const range = thrown(() => parseCredentialCsv(USER, 'mandate' as never))
    expect(range).toBeInstanceOf(RangeError)
    expect(range.message).toBe('role must be one of user, aggregator, production-base, got "mandate"')
  })
})

describe('issueCredentialBatch', () => {
  it('issues one verifiable credential per good row, with its own status entries, and reports the bad rows', async () => {
    const w = await World.create()
    const [a, b] = [await w.party('csv-a'), await w.party('csv-b')]
    const csv = [
      USER,
      `${a.did},3301060001,M-1;M-2,10kV,800,330106`,
      `${b.did},3301060002,M-3,380V,abc,330106`,
      `${b.did},3301060002,M-3,380V,120,330106`,
    ].join('\n')
    const result = await issueCredentialBatch({
      issuer: w.utility.jwt,
      role: 'user',
      schema: w.schemas.user,
      status: w.status,
      resolver: w.resolver,
      issuedAt: w.now,
      validUntil: w.now + 30 * DAY,
      csv,
    })
    expect(result.errors).toEqual([{ line: 3, subject: b.did, reason: 'contractedCapacityKva: "abc" is not a number' }])
    expect(result.issued.map((i) => [i.line, i.subject])).toEqual([
      [2, a.did],
      [4, b.did],
    ])
    const statuses = new Set<string>()
    for (const [i, party] of [a, b].entries()) {
      const { jwt } = result.issued[i]!
      const payload = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString())
      expect(payload.exp - payload.iat).toBe(30 * DAY)
      for (const e of payload.vc.credentialStatus) statuses.add(`${e.statusListCredential}#${e.statusListIndex}`)
      const vp = await createPresentation({
        holder: party.jwt,
        credentials: [jwt],
        audience: 'did:grid:test:contract#response',
        challenge: 'nonce-0001',
        issuedAt: w.now,
      })
      const decision = await checkRole(vp, { role: 'user', action: 'response.bid', capacityKw: 100 }, await w.context())
      expect(decision.reasons).toEqual([])
      expect(decision.claims?.meterIds).toEqual(i === 0 ? ['M-1', 'M-2'] : ['M-3'])
    }
    expect(statuses.size).toBe(4) // a revocation and a suspension entry each, none shared
  })

  it('issues nothing from an unreadable file, and stops on a bad option rather than failing every row', async () => {
    const w = await World.create()
    const a = await w.party('csv-a')
    const options = {
      issuer: w.utility.jwt,
      role: 'user' as const,
      schema: w.schemas.user,
      status: w.status,
      resolver: w.resolver,
      issuedAt: w.now,
      validUntil: w.now + DAY,
    }
    await expect(issueCredentialBatch({ ...options, csv: `accountNumber\n3301060001` })).rejects.toThrow(
      new SyntaxError('the header must start with "subject"'),
    )
    await expect(
      issueCredentialBatch({ ...options, validUntil: w.now, csv: `${USER}\n${a.did},3301060001,M-1,10kV,800,330106` }),
    ).rejects.toThrow(new RangeError('validUntil must be after validFrom'))
    await expect(issueCredentialBatch(null as never)).rejects.toThrow(new TypeError('options must be an object'))
  })

  it('refuses, per row, a subject that does not resolve or is not a did:grid DID; an outage stops the batch', async () => {
    const w = await World.create()
    const [a, gone] = [await w.party('csv-a'), await w.party('csv-gone')]
    await w.ledger.submit([(await deactivateDid(await w.resolver.resolveState(gone.did), gone.recovery)).bytes])
    const never = did('n') // well-formed, never anchored
    const elsewhere = `did:grid:other:${'o'.repeat(51)}a`
    const didKey = 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK'
    const csv = [
      USER,
      `${never},3301060001,M-1,10kV,800,330106`,
      `${a.did},3301060002,M-2,10kV,800,330106`,
      `${gone.did},3301060003,M-3,10kV,800,330106`,
      `${elsewhere},3301060004,M-4,10kV,800,330106`,
      `${didKey},3301060005,M-5,10kV,800,330106`,
    ].join('\n')
    const options = {
      issuer: w.utility.jwt,
      role: 'user' as const,
      schema: w.schemas.user,
      status: w.status,
      resolver: w.resolver,
      issuedAt: w.now,
      validUntil: w.now + DAY,
    }
    const result = await issueCredentialBatch({ ...options, csv })
    expect(result.issued.map((i) => [i.line, i.subject])).toEqual([[3, a.did]])
    expect(result.errors).toEqual<CredentialCsvError[]>([
      { line: 2, subject: never, reason: `${never} was not found on the ledger`, code: 'ERR_GRID_DID_NOT_FOUND' },
      { line: 4, subject: gone.did, reason: `${gone.did} is deactivated`, code: 'ERR_GRID_DID_DEACTIVATED' },
      { line: 5, subject: elsewhere, reason: 'no ledger is configured for the network "other"', code: 'ERR_GRID_UNKNOWN_NETWORK' },
      { line: 6, subject: didKey, reason: expect.stringMatching(/did:grid/), code: 'ERR_GRID_INVALID_DID' },
    ])
    // A ledger that fails is an outage for the whole batch, never a row's "not found".
    await w.ledger.close()
    await expectRejects(issueCredentialBatch({ ...options, csv }), LedgerClosedError, 'ERR_GRID_LEDGER_CLOSED', /closed/)
    await expect(issueCredentialBatch({ ...options, resolver: undefined as never, csv })).rejects.toThrow(
      new TypeError('options.resolver must resolve DID states (a GridResolver)'),
    )
  })
})
