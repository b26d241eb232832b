import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { GridError } from '../../errors.js'
import { issueMandate, issueRoleCredential, type JwtSigner } from '../../vc/issue.js'
import { peekPayload } from '../../vc/jwt.js'
import { schemaUrl } from '../../vc/resources.js'
import { ROLES } from '../../vc/roles.js'
import { StatusRegistry } from '../../vc/status-registry.js'
import { subjectFault } from '../../vc/subject.js'
import { verifyCredential } from '../../vc/verify.js'
import type { CommandContext } from '../context.js'
import { syncDir, writeFileDurable } from '../durable.js'
import { CliError } from '../errors.js'
import type { Home } from '../home.js'
import { readCsv, readJson, readJwt } from '../input.js'
import { openKeystore } from '../keystore.js'
import { expiry, futureTime, numberOption, roleOf } from '../options.js'
import { printable } from '../printable.js'
import { progressBar } from '../progress.js'
import { signerFor } from '../signer.js'
import { utilityOf, verificationContext as context } from '../verification-context.js'
import { registerVcList } from './vc-list.js'

/** `grid-did vc …`: issue role credentials (one or a CSV batch) and mandates, verify, revoke, suspend, reinstate. */
export function registerVcCommands(program: Command, ctx: CommandContext): void {
  const { io, passphrase, read, write, setExit } = ctx
  const vc = program.command('vc').description('role credentials and mandates')
  vc.command('issue')
    .description('issue a role credential; prints the JWT')
    .requiredOption('--issuer <did>', 'issuer DID')
    .requiredOption('--key <file>', 'an assertionMethod key of the issuer')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--subject <did>', "the holder's DID")
    .requiredOption('--claims <file>', 'claims as a JSON file')
    .option('--expires <iso>', 'expiry (default one year)')
    .option('--utility <did>', 'whose schemas to use (default: the one `trust init` set)')
    .action(
      write(
        async (
          home,
          o: { issuer: string; key: string; role: string; subject: string; claims: string; expires?: string; utility?: string },
        ) => {
          const validUntil = expiry(o.expires)
          const issuer = await signerFor(home, o.issuer, openKeystore(o.key, await passphrase()), 'assertionMethod')
          const role = roleOf(o.role)
          const fault = await subjectFault(home.resolver, o.subject)
          if (fault) throw fault
          const jwt = await issueRoleCredential({
            issuer,
            role,
            subject: o.subject,
            claims: readJson(o.claims) as never,
            schema: schemaUrl(utilityOf(home, o.utility), role),
            status: statusRegistry(home, issuer),
            validUntil,
          })
          const jti = String(peekPayload(jwt)!.jti)
          home.recordIssued({ jti, issuer: o.issuer, role, subject: o.subject, jwt })
          return { json: { jwt, jti }, text: jwt }
        },
      ),
    )
  vc.command('issue-batch')
    .description(
      'issue one credential per CSV row (header: subject, then claim names; arrays ;-separated); re-runs skip rows already issued',
    )
    .requiredOption('--issuer <did>', 'issuer DID')
    .requiredOption('--key <file>', 'an assertionMethod key of the issuer')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--csv <file>', 'the rows')
    .requiredOption('--out <dir>', 'directory for one <role>-<subject suffix>.jwt per row')
    .option('--expires <iso>', 'expiry (default one year)')
    .option('--utility <did>', 'whose schemas to use')
    .action(
      write(
        async (home, o: { issuer: string; key: string; role: string; csv: string; out: string; expires?: string; utility?: string }) => {
          // What holds for every row is checked once, before any row allocates a status index: a
          // batch-wide mistake is one usage error for the run, not one failure (and a burnt index) per row.
          const role = roleOf(o.role)
          const validUntil = expiry(o.expires)
          const { rows, errors } = readCsv(o.csv, role)
          const issuer = await signerFor(home, o.issuer, openKeystore(o.key, await passphrase()), 'assertionMethod')
          const status = statusRegistry(home, issuer)
          const schema = schemaUrl(utilityOf(home, o.utility), role)
          mkdirSync(o.out, { recursive: true })
          const summary = { issued: 0, skipped: 0, failed: [] as { row: number; subject?: string; reason: string; code?: string }[] }
          // Rows the CSV reader refused and rows to issue, back in file order.
          const entries = [...errors.map((error) => ({ error })), ...rows.map((row) => ({ row }))].sort(
            (a, b) => ('row' in a ? a.row.line : a.error.line) - ('row' in b ? b.row.line : b.error.line),
          )
          const progress = progressBar(io, entries.length)
          for (const [i, entry] of entries.entries()) {
            progress(i)
            if ('error' in entry) {
              const { line: row, subject, reason, code } = entry.error
              summary.failed.push({ row, ...(subject ? { subject } : {}), reason, ...(code ? { code } : {}) })
              continue
            }
            const { line, subject, claims } = entry.row
            try {
              // One name per role and subject (`user-sgcc_z6Mk….jwt` for did:grid:sgcc:z6Mk…): another
              // role's batch into the same directory never replaces it.
              const file = join(o.out, `${role}-${subject.replace(/^did:grid:/, '').replaceAll(':', '_')}.jwt`)
              const done = home.issuedTo(o.issuer, role, subject)
              if (done) {
                // Issued before (perhaps by a run that stopped before writing the file): the home's
                // record is the truth, so a missing, empty, cut-short or other file is written again.
                if (!holds(file, `${done.jwt}\n`)) writeFileDurable(file, `${done.jwt}\n`)
                summary.skipped++
                continue
              }
              // Only to a subject that resolves now; an outage throws (the run stops), never a row's "not found".
              const fault = await subjectFault(home.resolver, subject)
              if (fault) {
                summary.failed.push({ row: line, subject, reason: fault.message, code: fault.code })
                continue
              }
              const jwt = await issueRoleCredential({ issuer, role, subject, claims, schema, status, validUntil })
              home.recordIssued({ jti: String(peekPayload(jwt)!.jti), issuer: o.issuer, role, subject, jwt })
              writeFileDurable(file, `${jwt}\n`)
              summary.issued++
            } catch (err) {
              if (!(err instanceof GridError) && !(err instanceof TypeError) && !(err instanceof RangeError)) throw err
              summary.failed.push({ row: line, subject, reason: err.message, ...(err instanceof GridError ? { code: err.code } : {}) })
            }
          }
          progress(entries.length)
          // Each file was fsynced before its rename; one directory fsync makes the names durable. A
          // crash before it loses at most names, which the home's records let a re-run write again.
          syncDir(o.out)
          if (summary.failed.length > 0) setExit(1)
          const text = [
            `issued ${summary.issued}, skipped ${summary.skipped} (already issued), failed ${summary.failed.length}`,
            ...summary.failed.map((f) => `  line ${f.row}: ${printable(f.reason)}${f.code ? ` (${printable(f.code)})` : ''}`),
          ].join('\n')
          return { json: summary, text }
        },
      ),
    )
  vc.command('mandate')
    .description("a user's mandate to an aggregator; prints the JWT")
    .requiredOption('--user <did>', "the user's DID (issuer)")
    .requiredOption('--key <file>', 'an assertionMethod key of the user')
    .requiredOption('--aggregator <did>', "the aggregator's DID")
    .requiredOption('--actions <list>', 'e.g. response.bid,settlement.receive')
    .requiredOption('--max-kw <n>', 'capacity cap in kW')
    .requiredOption('--until <iso>', 'end of validity')
    .option('--utility <did>', 'whose mandate schema to use')
    .action(
      write(
        async (
          home,
          o: { user: string; key: string; aggregator: string; actions: string; maxKw: string; until: string; utility?: string },
        ) => {
          const maxKw = numberOption(o.maxKw, '--max-kw', { exclusive: true })
          const validUntil = futureTime(o.until, '--until')
          const user = await signerFor(home, o.user, openKeystore(o.key, await passphrase()), 'assertionMethod')
          const fault = await subjectFault(home.resolver, o.aggregator)
          if (fault) throw fault
          const jwt = await issueMandate({
            user,
            aggregator: o.aggregator,
            actions: o.actions.split(',').map((a) => a.trim()),
            maxKw,
            schema: schemaUrl(utilityOf(home, o.utility), 'mandate'),
            status: statusRegistry(home, user),
            validUntil,
          })
          home.recordIssued({ jti: String(peekPayload(jwt)!.jti), issuer: o.user, role: 'mandate', subject: o.aggregator, jwt })
          return { json: { jwt }, text: jwt }
        },
      ),
    )
  vc.command('verify <jwt>')
    .description('full verification with reasons (JWT, @file or - for stdin); exit 1 when it fails')
    .option('--at <iso>', 'verify as of this time (default now)')
    .option('--utility <did>', 'whose trust registry to use')
    .action(
      read(async (home, arg: string, o: { at?: string; utility?: string }) => {
        const result = await verifyCredential(await readJwt(arg, io), await context(home, o.at, o.utility))
        if (!result.verified) setExit(1)
        const text = result.verified
          ? `verified: ${result.kind} credential ${result.id} from ${result.issuer} for ${result.subject}`
          : ['not verified:', ...result.reasons.map((r) => `  ${r.code}: ${printable(r.message)}`)].join('\n')
        return { json: result, text }
      }),
    )
  for (const [name, describe] of [
    ['revoke', 'revoke a credential for good'],
    ['suspend', 'suspend a credential'],
    ['reinstate', 'lift a suspension'],
  ] as const) {
    vc.command(`${name} <jwt>`)
      .description(`${describe} (anchors a new status-list version)`)
      .requiredOption('--issuer <did>', 'the issuer')
      .requiredOption('--key <file>', 'an assertionMethod key (or the update key) of the issuer')
      .action(
        write(async (home, arg: string, o: { issuer: string; key: string }) => {
          const jwt = await readJwt(arg, io)
          const jti = peekPayload(jwt)?.jti
          // Only credentials from this home's own records: the JWT's text alone proves nothing.
          const record = typeof jti === 'string' ? home.issued(jti) : undefined
          if (!record || record.jwt !== jwt || record.issuer !== o.issuer)
            throw new CliError(`not a credential ${o.issuer} issued from this home`)
          const signer = openKeystore(o.key, await passphrase())
          const registry = new StatusRegistry({
            did: o.issuer,
            signer,
            ledger: home.ledger,
            resolver: home.resolver,
            store: home.statusStore(o.issuer),
          })
          await registry[name](jwt)
          return {
            json: { jti, status: name },
            text: `${name === 'revoke' ? 'revoked' : name === 'suspend' ? 'suspended' : 'reinstated'} ${jti}`,
          }
        }),
      )
  }
  registerVcList(vc, ctx)
}

function statusRegistry(home: Home, issuer: JwtSigner): StatusRegistry {
  return new StatusRegistry({
    did: issuer.did,
    signer: issuer.signer,
    ledger: home.ledger,
    resolver: home.resolver,
    store: home.statusStore(issuer.did),
  })
}

/** Whether `file` holds exactly `text` (a missing or unreadable file does not). */
function holds(file: string, text: string): boolean {
  try {
    return readFileSync(file, 'utf8') === text
  } catch {
    return false
  }
}
