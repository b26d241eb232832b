import { parse } from 'csv-parse/sync'
import { InvalidClaimsError, type GridErrorCode, type InvalidDidError } from '../errors.js'
import { parseDid } from '../method/did.js'
import { issueRoleCredential, type CredentialTimes, type JwtSigner } from './issue.js'
import { CLAIM_SCHEMAS, ROLES, type ClaimsOf, type JsonSchema, type RoleName } from './roles.js'
import { claimErrors } from './schema.js'
import type { StatusRegistry } from './status-registry.js'
import { subjectFault, type SubjectResolver } from './subject.js'

/** One usable row of a credential CSV: its subject and claims, checked against the role's schema. */
export interface CredentialCsvRow<R extends RoleName = RoleName> {
  /** Line of the file where the row starts (the header is line 1). */
  line: number
  subject: string
  claims: ClaimsOf[R]
}

/** A row that cannot be issued, and why. */
export interface CredentialCsvError {
  /** Line of the file where the row starts. */
  line: number
  /** The row's subject, when it has one. */
  subject?: string
  reason: string
  /**
   * The code of the error that refused the row, when one did: `ERR_GRID_INVALID_DID` (a subject that
   * is not a did:grid DID), `ERR_GRID_DID_NOT_FOUND`, `ERR_GRID_DID_DEACTIVATED` or
   * `ERR_GRID_UNKNOWN_NETWORK` (a subject that does not resolve; {@link issueCredentialBatch}).
   */
  code?: GridErrorCode
}

/** What {@link parseCredentialCsv} read: usable rows and failed rows, each in file order. */
export interface ParsedCredentialCsv<R extends RoleName = RoleName> {
  rows: CredentialCsvRow<R>[]
  errors: CredentialCsvError[]
}

// Same shape as the schemas' integers and decimals written out in full: no exponents, no hex, no
// "Infinity", so a cell means what it shows.
const NUMBER = /^-?\d+(\.\d+)?$/

/**
 * Reads the CSV of a batch of role credentials: a header of `subject` followed by claim names of
 * the role, then one row per credential. Cells are typed by the role's claim schema (`number` and
 * `integer` claims as numbers, arrays `;`-separated), an empty cell leaves the claim out, and each
 * row's claims are checked against the schema. A UTF-8 BOM, CRLF line ends, quoted cells (`""`
 * escapes a quote; a quoted cell may span lines) and blank lines are fine.
 *
 * A bad row never stops the others: it becomes an error with its line and reason (a wrong number of
 * cells, no subject, a subject that is not a did:grid DID, a subject of an earlier usable row, a
 * cell that is not a number, claims the schema refuses).
 *
 * @throws {SyntaxError} when the file as a whole cannot be read — no header, a header that does not
 *   start with `subject`, an unknown or repeated column, broken quoting — so nothing is issued from
 *   a file read only in part; {@link TypeError} / {@link RangeError} for a bad argument.
 * @example
 * ```ts
 * const { rows, errors } = parseCredentialCsv([
 *   'subject,accountNumber,meterIds,voltageLevel,contractedCapacityKva,region',
 *   `${userA},3301060001,M-1;M-2,10kV,800,330106`,
 *   `${userB},3301060002,M-3,10kV,8OO,330106`,
 * ].join('\n'), 'user')
 * rows[0].claims.meterIds  // ['M-1', 'M-2']
 * errors                   // [{ line: 3, subject: userB, reason: 'contractedCapacityKva: "8OO" is not a number' }]
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-credentials
 */
export function parseCredentialCsv<R extends RoleName>(text: string, role: R): ParsedCredentialCsv<R> {
  if (typeof text !== 'string') throw new TypeError('text must be a string')
  if (!ROLES.includes(role)) throw new RangeError(`role must be one of ${ROLES.join(', ')}, got ${JSON.stringify(role)}`)
  const schema = CLAIM_SCHEMAS[role]
  const properties = schema.properties as Record<string, JsonSchema>
  const names = Object.keys(properties).filter((n) => n !== 'id' && n !== 'extensions')

  let records: { record: string[]; info: { lines: number } }[]
  try {
    // One line-end convention first, so csv-parse's line count is the editor's line number.
    records = parse(text.replace(/\r\n?/g, '\n'), {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as typeof records
  } catch (err) {
    throw new SyntaxError((err as Error).message, { cause: err }) // csv-parse's message names the problem and its line
  }
  const [header, ...body] = records
  if (!header) throw new SyntaxError('the CSV is empty: it needs a header starting with "subject"')
  const columns = header.record
  if (columns[0] !== 'subject') throw new SyntaxError('the header must start with "subject"')
  for (const [i, column] of columns.entries()) {
    if (i > 0 && !names.includes(column)) throw new SyntaxError(`unknown column "${column}": ${role} claims are ${names.join(', ')}`)
    if (columns.indexOf(column) !== i) throw new SyntaxError(`column "${column}" appears twice`)
  }

  const out: ParsedCredentialCsv<R> = { rows: [], errors: [] }
  const seen = new Map<string, number>()
  for (const { record, info } of body) {
    // csv-parse counts to the row's last line; a quoted cell spanning lines moves its start back.
    const line = info.lines - record.reduce((n, cell) => n + cell.split('\n').length - 1, 0)
    const subject = record[0] ?? ''
    const fail = (reason: string, code?: GridErrorCode) =>
      out.errors.push({ line, ...(subject ? { subject } : {}), reason, ...(code ? { code } : {}) })
    if (record.length !== columns.length) {
      fail(`expected ${columns.length} cells, got ${record.length}`)
      continue
    }
    if (!subject) {
      fail('no subject')
      continue
    }
    try {
      parseDid(subject)
    } catch (err) {
      fail((err as InvalidDidError).message, (err as InvalidDidError).code)
      continue
    }
    const earlier = seen.get(subject)
    if (earlier !== undefined) {
      fail(`subject already on line ${earlier}`)
      continue
    }
    const claims: Record<string, unknown> = {}
    const problems: string[] = []
    for (const [i, name] of columns.entries()) {
      const raw = record[i]!
      if (i === 0 || raw === '') continue
      const type = properties[name]!.type
      if (type === 'array')
        claims[name] = raw
          .split(';')
          .map((x) => x.trim())
          .filter((x) => x !== '')
      else if (type === 'number' || type === 'integer') {
        if (!NUMBER.test(raw)) problems.push(`${name}: ${JSON.stringify(raw)} is not a number`)
        else if (type === 'integer' && raw.includes('.')) problems.push(`${name}: ${JSON.stringify(raw)} is not an integer`)
        else claims[name] = Number(raw)
      } else claims[name] = raw
    }
    if (problems.length > 0) {
      fail(problems.join('; '))
      continue
    }
    const errors = claimErrors(schema, claims)
    if (errors.length > 0) {
      fail(new InvalidClaimsError(role, errors).message)
      continue
    }
    // Only a usable row claims its subject: a corrected copy below a refused row is the one issued.
    seen.set(subject, line)
    out.rows.push({ line, subject, claims: claims as unknown as ClaimsOf[R] })
  }
  return out
}

/** Options of {@link issueCredentialBatch}. */
export interface IssueCredentialBatchOptions<R extends RoleName> extends Omit<CredentialTimes, 'id'> {
  issuer: JwtSigner
  role: R
  /** URL of the role's anchored schema, e.g. `schemaUrl(utility, 'user')`. */
  schema: string
  /** The issuer's status lists: each credential gets its own revocation and suspension entry. */
  status: StatusRegistry
  /** The CSV text, as {@link parseCredentialCsv} reads it. */
  csv: string
  /**
   * Resolves each row's subject before anything is signed for it (a `GridResolver`): a subject that
   * is not anchored or is deactivated fails its row (`code` says which), a ledger outage stops the batch.
   */
  resolver: SubjectResolver
}

/** A credential issued from a CSV row. */
export interface IssuedCsvCredential {
  line: number
  subject: string
  jwt: string
}

/** What {@link issueCredentialBatch} did, each list in file order. */
export interface CredentialBatchResult {
  issued: IssuedCsvCredential[]
  errors: CredentialCsvError[]
}

/**
 * Issues one role credential per row of a CSV ({@link parseCredentialCsv}), all with the same
 * validity, each with fresh status entries, to subjects that resolve now: a row whose subject is not
 * anchored, is deactivated or is on a network `resolver` does not read fails with that `code`
 * (`ERR_GRID_DID_NOT_FOUND`, `ERR_GRID_DID_DEACTIVATED`, `ERR_GRID_UNKNOWN_NETWORK`). Failed rows
 * are reported, never issued, and never stop the others.
 *
 * Not idempotent: a second run issues every row again. Services that may re-run a batch keep their
 * own record of what was issued (as `grid-did vc issue-batch` does) and issue row by row.
 *
 * @throws {SyntaxError} as {@link parseCredentialCsv}, before anything is issued; a ledger that
 *   cannot answer while a subject is resolved (an outage is never a row's "not found"); the errors of
 *   {@link issueRoleCredential} for bad options (a bad schema URL or validity window), and ledger
 *   errors from status-list allocation — no row causes those, so they stop the batch (credentials
 *   issued before are lost with the throw; their status entries stay allocated, unused).
 * @example
 * ```ts
 * const { issued, errors } = await issueCredentialBatch({ issuer: { did: utility, keyId: 'key-1', signer },
 *   role: 'user', schema: schemaUrl(utility, 'user'), status, resolver, validUntil: new Date('2027-12-31'), csv })
 * for (const e of errors) console.log(`line ${e.line}: ${e.reason}`)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#issuance
 */
export async function issueCredentialBatch<R extends RoleName>(options: IssueCredentialBatchOptions<R>): Promise<CredentialBatchResult> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  if (typeof options.resolver?.resolveState !== 'function') throw new TypeError('options.resolver must resolve DID states (a GridResolver)')
  const { rows, errors } = parseCredentialCsv(options.csv, options.role)
  const { csv: _csv, resolver, ...common } = options
  const result: CredentialBatchResult = { issued: [], errors: [...errors] }
  // Every row was checked against the schema already: what can still fail here is the subject's
  // standing on the ledger (that row's error), or the issuer's own options or the ledger, which no
  // row causes, so they throw.
  for (const row of rows) {
    const fault = await subjectFault(resolver, row.subject)
    if (fault) {
      result.errors.push({ line: row.line, subject: row.subject, reason: fault.message, code: fault.code })
      continue
    }
    const jwt = await issueRoleCredential<R>({ ...common, subject: row.subject, claims: row.claims })
    result.issued.push({ line: row.line, subject: row.subject, jwt })
  }
  result.errors.sort((a, b) => a.line - b.line)
  return result
}
