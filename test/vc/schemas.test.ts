import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  ACTIONS,
  CLAIM_SCHEMAS,
  RESOURCE_IDS,
  ROLES,
  VOLTAGE_LEVELS,
  anchorResource,
  isUnifiedSocialCreditCode,
  issueRoleCredential,
  publishRoleSchemas,
  usccCheckCharacter,
  verifyCredential,
  type CredentialKind,
  type RoleName,
} from '../../src/index.js'
import { claimErrors } from '../../src/vc/schema.js'
import { CLAIMS as ROLE_CLAIMS, World } from './world.js'

// ---------------------------------------------------------------------------------------------
// Unified social credit codes (GB 32100-2015)

/** The code alphabet: digits and capitals without I, O, S, V, Z. */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY'
const DIGITS = '0123456789'
const VALID = ['91350100M000100Y43', '9144030071526726XG', '91110000802100433B']

/** Independent reference: weights 3^i mod 31, check = (31 - sum mod 31) mod 31. */
function referenceCheck(body: string): string {
  let sum = 0
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(body[i]!) * (3 ** i % 31)
  return ALPHABET[(31 - (sum % 31)) % 31]!
}

function thrown(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  throw new Error('expected a throw')
}

describe('unified social credit code', () => {
  it.each(VALID)('accepts the real code %s', (code) => {
    expect(isUnifiedSocialCreditCode(code)).toBe(true)
    expect(usccCheckCharacter(code.slice(0, 17))).toBe(code[17])
    expect(referenceCheck(code.slice(0, 17))).toBe(code[17])
  })

  it.each(VALID)('rejects %s with every other check character', (code) => {
    const others = [...ALPHABET].filter((c) => c !== code[17])
    expect(others).toHaveLength(30)
    for (const c of others) expect(isUnifiedSocialCreditCode(code.slice(0, 17) + c), c).toBe(false)
  })

  it.each(VALID)('rejects %s with one body character changed (check no longer matches)', (code) => {
    for (const i of [0, 5, 10, 16]) {
      const replacement = ALPHABET[(ALPHABET.indexOf(code[i]!) + 1) % (i >= 2 && i < 8 ? 10 : 31)]!
      const changed = code.slice(0, i) + replacement + code.slice(i + 1)
      expect(changed).not.toBe(code)
      expect(isUnifiedSocialCreditCode(changed), changed).toBe(false)
    }
  })

  it('rejects a wrong length, lowercase and non-strings', () => {
    for (const code of VALID) {
      expect(isUnifiedSocialCreditCode(code.slice(0, 17))).toBe(false)
      expect(isUnifiedSocialCreditCode(`${code}0`)).toBe(false)
      expect(isUnifiedSocialCreditCode(` ${code}`)).toBe(false)
      expect(isUnifiedSocialCreditCode(code.toLowerCase())).toBe(false)
    }
    expect(isUnifiedSocialCreditCode('')).toBe(false)
    expect(isUnifiedSocialCreditCode(91350100)).toBe(false)
    expect(isUnifiedSocialCreditCode(null)).toBe(false)
    expect(isUnifiedSocialCreditCode(undefined)).toBe(false)
    expect(isUnifiedSocialCreditCode(['91350100M000100Y43'])).toBe(false)
  })

  it.each(['I', 'O', 'S', 'V', 'Z'])('rejects a code using the excluded letter %s', (letter) => {
    // In the organisation code part (position 9), and as the check character.
    const body = `91350100${letter}000100Y4`
    expect(isUnifiedSocialCreditCode(`${body}3`)).toBe(false)
    expect(isUnifiedSocialCreditCode(`91350100M000100Y4${letter}`)).toBe(false)
    const err = thrown(() => usccCheckCharacter(body))
    expect(err).toBeInstanceOf(RangeError)
    expect((err as Error).message).toMatch(/body has a character outside the GB 32100 alphabet at position 9/)
  })

  it('rejects letters where the administrative division code (positions 3-8) must be digits', () => {
    const body = '91A50100M000100Y4'
    const check = usccCheckCharacter(body)
    expect(isUnifiedSocialCreditCode(body + check)).toBe(false)
  })

  it('usccCheckCharacter refuses bad input with TypeError / RangeError', () => {
    const notString = thrown(() => usccCheckCharacter(91350100 as unknown as string))
    expect(notString).toBeInstanceOf(TypeError)
    expect((notString as Error).message).toMatch(/body must be a string/)
    for (const [body, message] of [
      ['91350100M000100Y', /body must be 17 characters, got 16/],
      ['91350100M000100Y43', /body must be 17 characters, got 18/],
      ['', /body must be 17 characters, got 0/],
      ['91350100m000100Y4', /outside the GB 32100 alphabet at position 9/],
      ['91350100M000100y4', /outside the GB 32100 alphabet at position 16/],
      ['-1350100M000100Y4', /outside the GB 32100 alphabet at position 1/],
    ] as const) {
      const err = thrown(() => usccCheckCharacter(body))
      expect(err, body).toBeInstanceOf(RangeError)
      expect((err as Error).message, body).toMatch(message)
    }
  })

  const char = (alphabet: string) => fc.constantFrom(...alphabet)
  const anyBody = fc.array(char(ALPHABET), { minLength: 17, maxLength: 17 }).map((a) => a.join(''))
  // GB 32100 structure: registration authority + organisation type, 6-digit division code, 9-character organisation code.
  const shapedBody = fc
    .tuple(
      fc.array(char(ALPHABET), { minLength: 2, maxLength: 2 }),
      fc.array(char(DIGITS), { minLength: 6, maxLength: 6 }),
      fc.array(char(ALPHABET), { minLength: 9, maxLength: 9 }),
    )
    .map(([a, b, c]) => [...a, ...b, ...c].join(''))

  it('property: the check character of any 17-character body matches the reference and makes the weighted sum 0 mod 31', () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        const check = usccCheckCharacter(body)
        expect(check).toBe(referenceCheck(body))
        expect(ALPHABET).toContain(check)
        let sum = ALPHABET.indexOf(check)
        for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(body[i]!) * (3 ** i % 31)
        // The check character is chosen so that the body's weighted sum plus its value is 0 mod 31.
        expect(sum % 31).toBe(0)
      }),
      { numRuns: 300 },
    )
  })

  it('property: for any well-structured body, the computed check character makes a valid code and every other character an invalid one', () => {
    fc.assert(
      fc.property(shapedBody, (body) => {
        const check = usccCheckCharacter(body)
        expect(isUnifiedSocialCreditCode(body + check)).toBe(true)
        for (const c of ALPHABET) if (c !== check) expect(isUnifiedSocialCreditCode(body + c)).toBe(false)
        for (const c of 'IOSVZa-') expect(isUnifiedSocialCreditCode(body + c)).toBe(false)
      }),
      { numRuns: 200 },
    )
  })
})

// ---------------------------------------------------------------------------------------------
// Claim schemas

/** The example claims of test/vc/world.ts, plus a mandate. */
const CLAIMS: Record<CredentialKind, Record<string, unknown>> = {
  ...(ROLE_CLAIMS as unknown as Record<RoleName, Record<string, unknown>>),
  mandate: { actions: ['response.bid', 'settlement.receive'], maxKw: 500 },
}

const REQUIRED: Record<CredentialKind, string[]> = {
  user: ['accountNumber', 'meterIds', 'voltageLevel', 'contractedCapacityKva', 'region'],
  aggregator: ['organizationName', 'unifiedSocialCreditCode', 'licensedRegions', 'maxAggregatedCapacityKw'],
  'production-base': ['groupId', 'baseId', 'region', 'maxLoadKw', 'priorityClass'],
  mandate: ['actions', 'maxKw'],
}

const KINDS = [...ROLES, 'mandate'] as const
const errorsOf = (kind: CredentialKind, changes: Record<string, unknown>) =>
  claimErrors(CLAIM_SCHEMAS[kind], { ...CLAIMS[kind], ...changes })

describe('CLAIM_SCHEMAS', () => {
  it.each(KINDS)('accepts the example %s claims, with and without a subject id', (kind) => {
    expect(claimErrors(CLAIM_SCHEMAS[kind], CLAIMS[kind])).toEqual([])
    expect(errorsOf(kind, { id: 'did:grid:test:subject' })).toEqual([])
    expect(errorsOf(kind, { id: 'https://not-a-did.example' })).toEqual(['/id: must match pattern "^did:"'])
  })

  it.each(KINDS)('reports each missing required %s claim', (kind) => {
    expect(CLAIM_SCHEMAS[kind].required).toEqual(REQUIRED[kind])
    for (const name of REQUIRED[kind]) {
      const { [name]: _dropped, ...rest } = CLAIMS[kind]
      expect(claimErrors(CLAIM_SCHEMAS[kind], rest), name).toEqual([`/: must have required property '${name}'`])
    }
    expect(claimErrors(CLAIM_SCHEMAS[kind], {})).toHaveLength(REQUIRED[kind].length)
  })

  it.each(KINDS)('rejects an unknown top-level %s claim', (kind) => {
    expect(errorsOf(kind, { favouriteColour: 'blue' })).toEqual(['/: must NOT have additional properties "favouriteColour"'])
    // A namespaced name is not a way around it: namespaced claims belong in `extensions`.
    expect(errorsOf(kind, { 'sgcc:tariffClass': 'A' })).toEqual(['/: must NOT have additional properties "sgcc:tariffClass"'])
  })

  it.each(ROLES)('accepts namespaced extensions on %s claims and rejects a non-namespaced key', (role) => {
    expect(errorsOf(role, { extensions: { 'sgcc:tariffClass': 'A' } })).toEqual([])
    expect(errorsOf(role, { extensions: { 'sgcc:tariffClass': 'A', 'zj:peakShift': true, 'sgcc:maxKw': 12 } })).toEqual([])
    for (const bad of ['tariffClass', 'SGCC:tariffClass', 'sgcc:', ':tariffClass', 'sgcc:tariff class']) {
      const errors = errorsOf(role, { extensions: { [bad]: 'A' } })
      expect(errors, bad).toContain(`/extensions: property name must be valid`)
    }
    expect(errorsOf(role, { extensions: { 'sgcc:nested': { a: 1 } } })).toEqual(['/extensions/sgcc:nested: must be string,number,boolean'])
  })

  it('has no extensions on mandates', () => {
    expect(errorsOf('mandate', { extensions: { 'sgcc:tariffClass': 'A' } })).toEqual([
      '/: must NOT have additional properties "extensions"',
    ])
  })

  it('checks region codes (GB/T 2260 province prefixes, 6 digits)', () => {
    for (const region of ['330106', '110000', '650100', '710000', '810000', '820000']) {
      expect(errorsOf('user', { region }), region).toEqual([])
    }
    for (const region of ['990000', '33010', '3301060', '000000', '16000a', 330106]) {
      const errors = errorsOf('user', { region })
      expect(errors, String(region)).toHaveLength(1)
      expect(errors[0], String(region)).toMatch(/^\/region: must (match pattern|be string)/)
    }
    expect(errorsOf('production-base', { region: '990000' })).toEqual([expect.stringMatching(/^\/region: must match pattern/)])
    expect(errorsOf('aggregator', { licensedRegions: ['330100', '990000'] })).toEqual([
      expect.stringMatching(/^\/licensedRegions\/1: must match pattern/),
    ])
    expect(errorsOf('aggregator', { licensedRegions: ['330100', '330100'] })).toEqual([
      expect.stringMatching(/^\/licensedRegions: must NOT have duplicate items/),
    ])
  })

  it('checks priorityClass is an integer 1-5', () => {
    for (const priorityClass of [1, 3, 5]) expect(errorsOf('production-base', { priorityClass })).toEqual([])
    expect(errorsOf('production-base', { priorityClass: 0 })).toEqual(['/priorityClass: must be >= 1'])
    expect(errorsOf('production-base', { priorityClass: 6 })).toEqual(['/priorityClass: must be <= 5'])
    expect(errorsOf('production-base', { priorityClass: 2.5 })).toEqual(['/priorityClass: must be integer'])
    expect(errorsOf('production-base', { priorityClass: '2' })).toEqual(['/priorityClass: must be integer'])
  })

  it('checks voltageLevel: the nominal AC voltages of GB/T 156-2017, in V or kV notation', () => {
    const standard = [
      '220V',
      '380V',
      '660V',
      '1000V',
      '0.4kV',
      '3kV',
      '6kV',
      '10kV',
      '20kV',
      '35kV',
      '66kV',
      '110kV',
      '220kV',
      '330kV',
      '500kV',
      '750kV',
      '1000kV',
    ]
    expect(VOLTAGE_LEVELS).toEqual(standard)
    for (const voltageLevel of standard) expect(errorsOf('user', { voltageLevel }), voltageLevel).toEqual([])
    // Not nominal voltages, other spellings of one, or not a voltage at all (v1's pattern took '7V' and '1234kV').
    for (const voltageLevel of [
      '7V',
      '400V',
      '1234kV',
      '15kV',
      '0.38kV',
      '0.4 kV',
      '0.4KV',
      '.4kV',
      '10kv',
      '10 kV',
      '010kV',
      '0kV',
      'kV',
      '±800kV',
      '',
    ]) {
      expect(errorsOf('user', { voltageLevel }), voltageLevel).toEqual(['/voltageLevel: must be equal to one of the allowed values'])
    }
    expect(errorsOf('user', { voltageLevel: 10 })).toEqual([
      '/voltageLevel: must be string',
      '/voltageLevel: must be equal to one of the allowed values',
    ])
  })

  it('checks mandate actions against ^[a-z]+(\\.[a-z]+)+$', () => {
    for (const action of [...Object.values(ACTIONS), 'a.b', 'grid.response.bid']) {
      expect(errorsOf('mandate', { actions: [action] }), action).toEqual([])
    }
    for (const action of [
      'response',
      'Response.bid',
      'response.',
      '.bid',
      'response..bid',
      'response.bid2',
      'response_bid',
      'response.bid ',
      'response/bid',
      '',
    ]) {
      expect(errorsOf('mandate', { actions: [action] }), action).toEqual(['/actions/0: must match pattern "^[a-z]+(\\.[a-z]+)+$"'])
    }
    expect(errorsOf('mandate', { actions: [] })).toEqual(['/actions: must NOT have fewer than 1 items'])
    expect(errorsOf('mandate', { actions: ['response.bid', 'response.bid'] })).toEqual([
      expect.stringMatching(/^\/actions: must NOT have duplicate items/),
    ])
  })

  it('checks the unified social credit code format and capacities', () => {
    expect(errorsOf('aggregator', { unifiedSocialCreditCode: '91350100M000100Y44' })).toEqual([
      '/unifiedSocialCreditCode: must match format "unified-social-credit-code"',
    ])
    expect(errorsOf('aggregator', { unifiedSocialCreditCode: '9144030071526726XG' })).toEqual([])
    expect(errorsOf('aggregator', { maxAggregatedCapacityKw: 0 })).toEqual(['/maxAggregatedCapacityKw: must be > 0'])
    expect(errorsOf('user', { contractedCapacityKva: 100_000_001 })).toEqual(['/contractedCapacityKva: must be <= 100000000'])
  })

  it('is the content anchored as the utility’s schema resources', async () => {
    const w = await World.create()
    const url = `${w.utility.did}/resources/schema-user-v2`
    expect(w.schemas.user).toBe(url)
    const { version } = await w.resolver.resolveResource(url)
    expect(version.resourceType).toBe('JsonSchema')
    expect(version.versionId).toBe(1)
    expect(version.content).toEqual(CLAIM_SCHEMAS.user)
    for (const kind of KINDS) {
      expect((await w.resolver.resolveResource(w.schemas[kind])).version.content, kind).toEqual(CLAIM_SCHEMAS[kind])
    }
    // The anchored copy validates exactly as the built-in one.
    expect(claimErrors(version.content, CLAIMS.user)).toEqual([])
    expect(claimErrors(version.content, { ...CLAIMS.user, region: '990000' })).toEqual([
      expect.stringMatching(/^\/region: must match pattern/),
    ])
  })

  it('anchors the GB/T 156 user schema under a new id, leaving an anchored v1 and its credentials as they were', async () => {
    expect([
      RESOURCE_IDS.schema('user'),
      RESOURCE_IDS.schema('aggregator'),
      RESOURCE_IDS.schema('production-base'),
      RESOURCE_IDS.schema('mandate'),
    ]).toEqual(['schema-user-v2', 'schema-aggregator-v1', 'schema-production-base-v1', 'schema-mandate-v1'])
    const w = await World.create()
    // A utility that anchored v1 (voltage levels by pattern) and trusts it: its credentials keep verifying.
    const v1 = {
      ...CLAIM_SCHEMAS.user,
      properties: { ...(CLAIM_SCHEMAS.user.properties as object), voltageLevel: { type: 'string', pattern: '^[1-9][0-9]{0,3}(V|kV)$' } },
    }
    await anchorResource({ did: w.utility.did, signer: w.utility.signing }, w, 'schema-user-v1', 'JsonSchema', v1 as never)
    const v1Url = `${w.utility.did}/resources/schema-user-v1`
    w.schemas.user = v1Url
    await w.trust({ user: [w.utility.did], aggregator: [w.utility.did], 'production-base': [w.utility.did] })
    const user = await w.party('user')
    const old = await issueRoleCredential({
      issuer: w.utility.jwt,
      role: 'user',
      subject: user.did,
      claims: { ...CLAIMS.user, voltageLevel: '10kV' } as never,
      schema: v1Url,
      status: w.status,
      issuedAt: w.now,
      validUntil: w.now + 86_400,
    })
    // Republishing the built-in schemas anchors v2 and does not touch v1.
    await publishRoleSchemas({ did: w.utility.did, signer: w.utility.signing }, w)
    expect((await w.resolver.resolveResource(v1Url)).version.versionId).toBe(1)
    expect((await w.resolver.resolveResource(`${w.utility.did}/resources/schema-user-v2`)).version.content).toEqual(CLAIM_SCHEMAS.user)
    const v = await verifyCredential(old, await w.context())
    expect(v.reasons).toEqual([])
    expect(v.verified).toBe(true)
  })
})
