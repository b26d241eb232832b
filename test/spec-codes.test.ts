/**
 * One catalogue of codes: the spec's tables (§Errors, its operation fault reasons, §Reason codes)
 * list exactly the codes of `GridErrorCode`, `OperationFaultReason` and `ReasonCode`, each error
 * class has the code the spec gives it (static and on the instance), and no code appears in the
 * source outside the catalogue.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as cliErrors from '../src/cli/errors.js'
import * as errors from '../src/errors.js'
import type { GridErrorCode, OperationFaultReason } from '../src/errors.js'
import type { AttestorErrorCode } from '../src/server/attestor-handler.js'
import { REASON_CODES, TOKEN_REASONS, type ReasonCode } from '../src/vc/reasons.js'

const ROOT = join(import.meta.dirname, '..')
const spec = readFileSync(join(ROOT, 'spec', 'did-grid.md'), 'utf8').split(/\r?\n/)

// The unions, written out: tsc refuses a missing or an extra key, so these are exactly the unions.
const ERROR_CODES: Record<GridErrorCode, true> = {
  ERR_GRID_INVALID_DID: true,
  ERR_GRID_INVALID_DID_URL: true,
  ERR_GRID_INVALID_KEY: true,
  ERR_GRID_INVALID_OPERATION: true,
  ERR_GRID_LEDGER_REJECTED: true,
  ERR_GRID_LEDGER_UNAVAILABLE: true,
  ERR_GRID_LEDGER_CLOSED: true,
  ERR_GRID_LEDGER_CORRUPT: true,
  ERR_GRID_LEDGER_FORBIDDEN: true,
  ERR_GRID_DID_NOT_FOUND: true,
  ERR_GRID_DID_DEACTIVATED: true,
  ERR_GRID_UNKNOWN_NETWORK: true,
  ERR_GRID_RESOURCE_NOT_FOUND: true,
  ERR_GRID_HEIGHT_NOT_REACHED: true,
  ERR_GRID_RESOURCE_CONFLICT: true,
  ERR_GRID_INVALID_CLAIMS: true,
  ERR_GRID_INVALID_CREDENTIAL: true,
  ERR_GRID_ATTESTATION_REFUSED: true,
  ERR_GRID_DEPENDENCY_MISSING: true,
  ERR_GRID_USAGE: true,
  ERR_GRID_CLI: true,
  ERR_GRID_HOME_NOT_FOUND: true,
  ERR_GRID_KEYSTORE_MISMATCH: true,
  ERR_GRID_KEYSTORE_PARAMS: true,
  ERR_GRID_HOME_LOCKED: true,
  ERR_GRID_TRUST_REGISTRY_EXISTS: true,
  ERR_GRID_CONFIG: true,
  ERR_GRID_PORT_IN_USE: true,
  ERR_GRID_BAD_REQUEST: true,
  ERR_GRID_UNSUPPORTED_MEDIA_TYPE: true,
  ERR_GRID_BODY_TOO_LARGE: true,
  ERR_GRID_NOT_FOUND: true,
  ERR_GRID_METHOD_NOT_ALLOWED: true,
  ERR_GRID_INTERNAL: true,
}
const FAULT_REASONS: Record<OperationFaultReason, true> = {
  malformed: true,
  oversized: true,
  'non-canonical': true,
  'bad-signature': true,
  unauthorized: true,
  'wrong-predecessor': true,
  'wrong-did': true,
  'no-create': true,
  'after-deactivation': true,
  'invalid-patch': true,
  duplicate: true,
  'type-changed': true,
}
// The attestor service answers codes of the catalogue only (checked by tsc).
const attestorCodesInCatalogue: AttestorErrorCode extends GridErrorCode ? true : false = true
const reasonCodes: readonly ReasonCode[] = REASON_CODES

/** The body rows of the `nth` table of the section under `heading`, as cells without backticks. */
function table(heading: string, nth = 0): string[][] {
  const start = spec.indexOf(heading)
  if (start < 0) throw new Error(`no heading ${heading}`)
  const level = heading.indexOf(' ')
  const tables: string[][][] = []
  let current: string[][] | undefined
  for (const line of spec.slice(start + 1)) {
    const hashes = /^(#+) /.exec(line)?.[1]
    if (hashes && hashes.length <= level) break
    if (!line.startsWith('|')) {
      current = undefined
      continue
    }
    if (!current) tables.push((current = []))
    current.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim().replace(/^`|`$/g, '')),
    )
  }
  const rows = tables[nth]
  if (!rows) throw new Error(`no table ${nth} under ${heading}`)
  return rows.slice(2) // header and separator
}

const sorted = (codes: Iterable<string>) => [...codes].sort()

/** What one list has that the other lacks, both ways: empty lists when they agree. */
function mismatch(spec: readonly string[], code: readonly string[]): { onlyInSpec: string[]; onlyInCode: string[] } {
  return { onlyInSpec: sorted(spec.filter((c) => !code.includes(c))), onlyInCode: sorted(code.filter((c) => !spec.includes(c))) }
}
const AGREE = { onlyInSpec: [], onlyInCode: [] }

/** Every GridError subclass the package exports, with an instance of each. */
const INSTANCES: Record<string, errors.GridError> = {
  InvalidDidError: new errors.InvalidDidError('m'),
  InvalidDidUrlError: new errors.InvalidDidUrlError('m'),
  InvalidKeyError: new errors.InvalidKeyError('m'),
  InvalidOperationError: new errors.InvalidOperationError('malformed', 'm'),
  LedgerRejectedError: new errors.LedgerRejectedError('m', []),
  LedgerUnavailableError: new errors.LedgerUnavailableError('m'),
  LedgerClosedError: new errors.LedgerClosedError(),
  LedgerCorruptError: new errors.LedgerCorruptError('m'),
  LedgerForbiddenError: new errors.LedgerForbiddenError('m'),
  DidNotFoundError: new errors.DidNotFoundError('did:grid:x:y'),
  DidDeactivatedError: new errors.DidDeactivatedError('did:grid:x:y'),
  UnknownNetworkError: new errors.UnknownNetworkError('x'),
  ResourceNotFoundError: new errors.ResourceNotFoundError('u'),
  HeightNotReachedError: new errors.HeightNotReachedError(2, 1),
  ResourceConflictError: new errors.ResourceConflictError('u'),
  InvalidClaimsError: new errors.InvalidClaimsError('user', ['/x: bad']),
  InvalidCredentialError: new errors.InvalidCredentialError('m'),
  AttestationRefusedError: new errors.AttestationRefusedError([{ code: 'status-revoked', message: 'm' }], 1),
  DependencyMissingError: new errors.DependencyMissingError('viem', 'm'),
  UsageError: new cliErrors.UsageError('m'),
  CliError: new cliErrors.CliError('m'),
  HomeNotFoundError: new cliErrors.HomeNotFoundError('/h'),
  KeystoreError: new cliErrors.KeystoreError('ERR_GRID_KEYSTORE_PARAMS', 'm'),
  HomeLockedError: new cliErrors.HomeLockedError('/h', 1000),
  TrustRegistryExistsError: new cliErrors.TrustRegistryExistsError('u'),
  ConfigError: new cliErrors.ConfigError('m'),
  PortInUseError: new cliErrors.PortInUseError('127.0.0.1:1'),
}
const CLASSES = new Map<string, { code?: string; codes?: readonly string[] }>(
  Object.entries({ ...errors, ...cliErrors }).filter(
    (entry): entry is [string, typeof errors.GridError] => typeof entry[1] === 'function' && entry[1].prototype instanceof errors.GridError,
  ) as [string, { code?: string; codes?: readonly string[] }][],
)

describe('the catalogue of error codes', () => {
  const rows = table('## Errors', 0)

  it('is exactly the codes of the spec’s error table', () => {
    const listed = rows.map((r) => r[0]!)
    expect(new Set(listed).size).toBe(listed.length)
    expect(mismatch(listed, Object.keys(ERROR_CODES))).toEqual(AGREE)
    expect(attestorCodesInCatalogue).toBe(true)
  })

  it('gives every exported GridError subclass a static code and the same code on its instances', () => {
    expect(sorted(CLASSES.keys())).toEqual(sorted(Object.keys(INSTANCES)))
    for (const [name, cls] of CLASSES) {
      const codes = cls.codes ?? [cls.code]
      const instance = INSTANCES[name]!
      expect(instance.name, name).toBe(name)
      expect(codes, name).toContain(instance.code)
      for (const code of codes) expect(Object.keys(ERROR_CODES), name).toContain(code)
    }
  })

  it('names in the spec the class whose code it is, and no class for the codes only answered', () => {
    for (const [code, classCell] of rows) {
      const name = /^`?(\w+)`?/.exec(classCell!)?.[1]
      const owners = [...CLASSES].filter(([, cls]) => (cls.codes ?? [cls.code]).includes(code)).map(([n]) => n)
      if (classCell!.startsWith('—')) expect(owners, code).toEqual([])
      else expect(owners, code).toEqual([name])
    }
  })

  it('holds every ERR_GRID_ code the source names', () => {
    const seen = new Set<string>()
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.name.endsWith('.ts'))
          for (const m of readFileSync(path, 'utf8').matchAll(/ERR_GRID_[A-Z0-9_]*[A-Z0-9]/g)) seen.add(m[0])
      }
    }
    walk(join(ROOT, 'src'))
    expect(sorted([...seen].filter((code) => !(code in ERROR_CODES)))).toEqual([])
  })
})

describe('operation fault reasons', () => {
  it('are exactly the reasons of the spec’s fault table', () => {
    const listed = table('## Errors', 1).map((r) => r[0]!)
    expect(new Set(listed).size).toBe(listed.length)
    expect(mismatch(listed, Object.keys(FAULT_REASONS))).toEqual(AGREE)
  })
})

describe('reason codes', () => {
  it('are exactly the codes of the spec’s reason-code table', () => {
    const listed = table('### Reason codes').map((r) => r[0]!)
    expect(new Set(listed).size).toBe(listed.length)
    expect(new Set(reasonCodes).size).toBe(reasonCodes.length)
    expect(mismatch(listed, reasonCodes)).toEqual(AGREE)
  })

  it('spell out each token’s codes, distinct per token', () => {
    const { credential, presentation } = TOKEN_REASONS
    for (const key of Object.keys(credential) as (keyof typeof credential)[]) {
      expect(credential[key]).not.toBe(presentation[key])
      expect(reasonCodes).toContain(credential[key])
      expect(reasonCodes).toContain(presentation[key])
    }
  })

  it('are never built from a template in the source', () => {
    const dir = join(ROOT, 'src', 'vc')
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8')
      // A template that ends in a code's tail (`${who}-not-found`) is how a search stops finding codes.
      const tails = new Set(REASON_CODES.map((code) => code.slice(code.indexOf('-'))))
      for (const m of text.matchAll(/\$\{[^}]*\}(-[a-z-]+)`/g)) expect(tails.has(m[1]!), `${file}: ${m[0]}`).toBe(false)
    }
  })
})
