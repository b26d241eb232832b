import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import type { Command } from 'commander'
import { GridError, ResourceNotFoundError } from '../errors.js'
import { Ed25519KeyPair } from '../method/keys.js'
import { createDid } from '../method/create.js'
import { deactivateDid } from '../method/deactivate.js'
import { parseDid, parseDidUrl } from '../method/did.js'
import type { EncodedOperation, Patch, ServiceEntry, VerificationRelationship } from '../method/operation.js'
import { VERIFICATION_RELATIONSHIPS } from '../method/operation.js'
import { recoverDid } from '../method/recover.js'
import { assertApplies, type DidState } from '../method/state.js'
import { rotateUpdateKey, updateDid } from '../method/update.js'
import { isBinding } from '../vc/binding.js'
import { parseCredentialCsv, type ParsedCredentialCsv } from '../vc/csv.js'
import { createPresentation, issueMandate, issueRoleCredential, type JwtSigner } from '../vc/issue.js'
import { peekPayload } from '../vc/jwt.js'
import { publishRoleSchemas, publishTrustRegistry, readTrustRegistry, schemaUrl, trustRegistryUrl } from '../vc/resources.js'
import { ROLES, type RoleName } from '../vc/roles.js'
import { StatusRegistry } from '../vc/status-registry.js'
import { subjectFault } from '../vc/subject.js'
import { checkRole, verifyCredential, type VerificationContext } from '../vc/verify.js'
import { CliError, TrustRegistryExistsError, UsageError } from './errors.js'
import { collect, numberOption, portOption } from './options.js'
import { printable, printableLines } from './printable.js'
import { Home, type HomeOptions } from './home.js'
import { syncDir, writeFileDurable } from './durable.js'
import { keystorePublicKey, openKeystore, writeAccountKeystore, writeKeystore } from './keystore.js'
import { registerChainCommands } from './chain-commands.js'
import { registerGateCommands } from './gate-commands.js'
import type { Io } from './main.js'

export type Globals = { home?: string; json?: boolean; ledger?: string; writerKey?: string }

/** Registers every command on `program`. `setExit` records a non-error exit code (denied = 1). */
export function registerCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const globals = () => program.opts<Globals>()
  // Asked once per command, however many keystores it unlocks.
  let asked: Promise<string> | undefined
  const passphrase = () => (asked ??= readPassphrase(io))
  /**
   * Opens the home; `create` only for a command that writes to it (see HomeOptions.create), which
   * also takes the home's writer lock before anything in the home is made or opened.
   */
  const openHome = (options: Pick<HomeOptions, 'create' | 'onSyncError' | 'checkpoints'>) => {
    const g = globals()
    return Home.open(Home.defaultDir(g.home), {
      ...(g.ledger ? { ledger: g.ledger } : {}),
      ...(g.writerKey ? { writerKey: g.writerKey } : {}),
      passphrase,
      onLockWait: () => io.interactive && io.stderr(`waiting for another command writing to ${Home.defaultDir(g.home)}…\n`),
      ...options,
    })
  }
  /**
   * Runs a command body with the home open and prints its result. A command that `writes` makes the
   * home if it is missing and holds its writer lock from before it opens the home until it closes
   * it; one that only reads never makes or changes anything in the home.
   */
  const command =
    (writes: boolean) =>
    <A extends unknown[]>(body: (home: Home, ...args: A) => Promise<{ json: unknown; text: string }>) =>
    async (...args: A) => {
      const home = await openHome({ create: writes })
      try {
        const { json, text } = await body(home, ...args)
        io.stdout(globals().json ? `${JSON.stringify(json, null, 2)}\n` : `${printableLines(text)}\n`)
      } finally {
        await home.close()
      }
    }
  /** A command that only reads: a missing home is an error, never an empty one. */
  const read = command(false)
  /** A command that writes the home (anchors, issues, records): made if missing, one at a time per home. */
  const write = command(true)

  // ---------------------------------------------------------------------------------------------
  const key = program.command('key').description('encrypted keystores: Ed25519 keys and EVM writer accounts')
  key
    .command('generate')
    .description('a new key in an encrypted keystore file; prints its public key (or account address)')
    .requiredOption('--out <file>', 'keystore file to write')
    .option('--type <type>', 'ed25519 (DIDs, credentials) | evm (an account that anchors on a chain ledger)', 'ed25519')
    .option('--force', 'overwrite an existing file')
    .action(async (o: { out: string; type: string; force?: boolean }) => {
      if (o.type !== 'ed25519' && o.type !== 'evm') throw new UsageError(`--type must be ed25519 or evm, got "${o.type}"`)
      const pass = await passphrase()
      if (o.type === 'evm') {
        const { generatePrivateKey, privateKeyToAccount } = await import('viem/accounts')
        const secret = generatePrivateKey()
        const { address } = privateKeyToAccount(secret)
        writeAccountKeystore(o.out, Buffer.from(secret.slice(2), 'hex'), address, pass, o.force)
        io.stdout(globals().json ? `${JSON.stringify({ file: o.out, address })}\n` : `${address}\n`)
        return
      }
      const pair = Ed25519KeyPair.generate()
      writeKeystore(o.out, pair, pass, o.force)
      io.stdout(globals().json ? `${JSON.stringify({ file: o.out, publicKeyMultibase: pair.publicKeyMultibase })}\n` : `${pair.publicKeyMultibase}\n`)
    })

  // ---------------------------------------------------------------------------------------------
  const did = program.command('did').description('create, update, rotate, recover, deactivate DIDs')
  did
    .command('create')
    .description('anchor a new DID; its key-1 (authentication, assertionMethod) is --key, which is also the update key')
    .requiredOption('--network <net>', 'consortium network name, e.g. sgcc')
    .requiredOption('--key <file>', 'update and signing key')
    .requiredOption('--recovery-key <file>', 'recovery key (unlocked to check its public key, which is all that is used)')
    .option('--service <id,type,url>', 'a service (repeatable)', collect, [] as string[])
    .action(
      write(async (home, o: { network: string; key: string; recoveryKey: string; service: string[] }) => {
        const pass = await passphrase()
        const update = openKeystore(o.key, pass)
        const op = await createDid({
          network: o.network,
          updateKey: update,
          // Unlocked, not read: an edited keystore must never name an attacker's recovery key.
          recoveryKey: keystorePublicKey(o.recoveryKey, pass),
          document: {
            verificationMethods: [{ id: 'key-1', type: 'Multikey', publicKeyMultibase: update.publicKeyMultibase, purposes: ['authentication', 'assertionMethod'] }],
            ...(o.service.length > 0 ? { services: o.service.map(parseService) } : {}),
          },
        })
        const [receipt] = await home.ledger.submit([op.bytes])
        home.addNetwork(o.network)
        return { json: { did: op.did, receipt }, text: op.did }
      }),
    )
  did
    .command('update <did>')
    .description('a signed update: add or remove keys and services')
    .requiredOption('--key <file>', 'the current update key')
    .option('--add-key <file>', 'keystore whose public key to add')
    .option('--key-id <id>', 'id of the added key (default key-N)')
    .option('--purpose <list>', 'relationships of the added key', 'authentication,assertionMethod')
    .option('--remove-key <id>', 'verification method to remove')
    .option('--add-service <id,type,url>', 'service to add (repeatable)', collect, [] as string[])
    .option('--remove-service <id>', 'service to remove (repeatable)', collect, [] as string[])
    .action(
      write(async (home, id: string, o: { key: string; addKey?: string; keyId?: string; purpose: string; removeKey?: string; addService: string[]; removeService: string[] }) => {
        const state = await home.resolver.resolveState(id)
        const patches: Patch[] = []
        if (o.removeKey) patches.push({ action: 'remove-verification-method', id: o.removeKey })
        if (o.addKey) {
          const purposes = o.purpose.split(',').map((p) => p.trim()) as VerificationRelationship[]
          for (const p of purposes) if (!VERIFICATION_RELATIONSHIPS.includes(p)) throw new UsageError(`--purpose: unknown relationship "${p}"`)
          const keyId = o.keyId ?? nextKeyId(state)
          patches.push({ action: 'add-verification-method', method: { id: keyId, type: 'Multikey', publicKeyMultibase: keystorePublicKey(o.addKey, await passphrase()), purposes } })
        }
        for (const s of o.removeService) patches.push({ action: 'remove-service', id: s })
        for (const s of o.addService) patches.push({ action: 'add-service', service: parseService(s) })
        if (patches.length === 0) throw new UsageError('nothing to update: give --add-key, --remove-key, --add-service or --remove-service')
        const op = await updateDid(state, openKeystore(o.key, await passphrase()), { patches })
        return anchored(home, state, op, 'update')
      }),
    )
  did
    .command('rotate <did>')
    .description('rotate the update key')
    .requiredOption('--key <file>', 'the current update key')
    .requiredOption('--new-key <file>', 'the new update key (unlocked to check its public key, which is all that is used)')
    .action(
      write(async (home, id: string, o: { key: string; newKey: string }) => {
        const state = await home.resolver.resolveState(id)
        const op = await rotateUpdateKey(state, openKeystore(o.key, await passphrase()), keystorePublicKey(o.newKey, await passphrase()))
        return anchored(home, state, op, 'rotate')
      }),
    )
  did
    .command('recover <did>')
    .description('take the DID back with the recovery key: new update, signing and recovery keys')
    .requiredOption('--recovery-key <file>', 'the current recovery key')
    .requiredOption('--new-key <file>', 'new update key, also key-1')
    .requiredOption('--new-recovery-key <file>', 'new recovery key')
    .action(
      write(async (home, id: string, o: { recoveryKey: string; newKey: string; newRecoveryKey: string }) => {
        const fresh = keystorePublicKey(o.newKey, await passphrase())
        const state = await home.resolver.resolveState(id)
        const op = await recoverDid(state, openKeystore(o.recoveryKey, await passphrase()), {
          newUpdateKey: fresh,
          newRecoveryKey: keystorePublicKey(o.newRecoveryKey, await passphrase()),
          document: { verificationMethods: [{ id: 'key-1', type: 'Multikey', publicKeyMultibase: fresh, purposes: ['authentication', 'assertionMethod'] }] },
        })
        return anchored(home, state, op, 'recover')
      }),
    )
  did
    .command('deactivate <did>')
    .description('deactivate the DID, for good')
    .requiredOption('--recovery-key <file>', 'the current recovery key')
    .action(
      write(async (home, id: string, o: { recoveryKey: string }) => {
        const state = await home.resolver.resolveState(id)
        const op = await deactivateDid(state, openKeystore(o.recoveryKey, await passphrase()))
        return anchored(home, state, op, 'deactivate')
      }),
    )
  did
    .command('history <did>')
    .description("the DID's operations with ledger positions and times, applied or skipped")
    .action(
      read(async (home, id: string) => {
        const history = await home.resolver.history(id)
        const text = history.operations
          .map((o) => `h${o.height} p${o.position} ${o.time} ${o.type ?? '?'} ${o.applied ? `applied v${o.versionId}` : `skipped ${printable(String(o.reason))}`}`)
          .join('\n')
        return { json: history.operations, text: text || `${id} has no operations` }
      }),
    )

  // ---------------------------------------------------------------------------------------------
  program
    .command('resolve <did-url>')
    .description('DID Resolution result (or dereferencing result for a DID URL)')
    .option('--version-id <n>', 'a past version')
    .option('--version-time <iso>', 'the version current at this time')
    .action(
      read(async (home, didUrl: string, o: { versionId?: string; versionTime?: string }) => {
        const options = { ...(o.versionId ? { versionId: o.versionId } : {}), ...(o.versionTime ? { versionTime: o.versionTime } : {}) }
        const parsed = parseDidUrl(didUrl)
        const isDid = parsed.path === undefined && parsed.fragment === undefined && parsed.params?.service === undefined
        const result = isDid ? await home.resolver.resolve(didUrl, options) : await home.resolver.dereference(didUrl, options)
        const meta = 'didResolutionMetadata' in result ? result.didResolutionMetadata : result.dereferencingMetadata
        if (meta.error) throw new CliError(`${meta.error}: ${String(meta.message ?? '')}`)
        return { json: result, text: JSON.stringify(result, null, 2) }
      }),
    )

  // ---------------------------------------------------------------------------------------------
  const trust = program.command('trust').description("the utility's role schemas and trust registry")
  trust
    .command('init')
    .description('publish the role schemas and a trust registry naming the utility for every role; remember the utility')
    .requiredOption('--utility <did>', "the utility's DID")
    .requiredOption('--key <file>', 'its update key or an assertionMethod key')
    .option('--force', 'replace an existing trust registry (drops every issuer `trust add` added)')
    .action(
      write(async (home, o: { utility: string; key: string; force?: boolean }) => {
        // Refused rather than merged: a re-run is a mistake or a deliberate reset, and a silent
        // replacement would deny every credential of the issuers `trust add` trusted.
        if (!o.force && (await hasResource(home, trustRegistryUrl(o.utility)))) throw new TrustRegistryExistsError(trustRegistryUrl(o.utility))
        const author = { did: o.utility, signer: openKeystore(o.key, await passphrase()) }
        const schemas = await publishRoleSchemas(author, home)
        await publishTrustRegistry(author, home, {
          roles: Object.fromEntries(ROLES.map((r) => [r, { issuers: [o.utility], schema: schemas[r] }])),
          mandate: { schema: schemas.mandate },
        })
        home.setConfig({ utility: o.utility })
        return { json: { trustRegistry: trustRegistryUrl(o.utility), schemas }, text: trustRegistryUrl(o.utility) }
      }),
    )
  trust
    .command('add')
    .description('trust another issuer for a role')
    .requiredOption('--key <file>', "the utility's update key or an assertionMethod key")
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--issuer <did>', 'the issuer to trust')
    .option('--utility <did>', 'the utility (default: the one `trust init` set)')
    .action(
      write(async (home, o: { key: string; role: string; issuer: string; utility?: string }) => {
        const utility = utilityOf(home, o.utility)
        const role = roleOf(o.role)
        parseDid(o.issuer)
        const { version } = await home.resolver.resolveResource(trustRegistryUrl(utility))
        const current = readTrustRegistry(version.content)
        if (typeof current === 'string') throw new CliError(`the trust registry is unusable: ${current}`)
        const roles = Object.fromEntries(
          ROLES.filter((r) => current.schemas.has(r)).map((r) => [r, { issuers: [...(current.issuers.get(r) ?? [])], schema: current.schemas.get(r)! }]),
        )
        const entry = roles[role] ?? { issuers: [], schema: schemaUrl(utility, role) }
        if (!entry.issuers.includes(o.issuer)) entry.issuers.push(o.issuer)
        roles[role] = entry
        const mandate = current.schemas.get('mandate')
        await publishTrustRegistry({ did: utility, signer: openKeystore(o.key, await passphrase()) }, home, { roles, ...(mandate ? { mandate: { schema: mandate } } : {}) })
        return { json: { role, issuers: entry.issuers }, text: `${role}: ${entry.issuers.join(', ')}` }
      }),
    )

  // ---------------------------------------------------------------------------------------------
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
      write(async (home, o: { issuer: string; key: string; role: string; subject: string; claims: string; expires?: string; utility?: string }) => {
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
      }),
    )
  vc.command('issue-batch')
    .description('issue one credential per CSV row (header: subject, then claim names; arrays ;-separated); re-runs skip rows already issued')
    .requiredOption('--issuer <did>', 'issuer DID')
    .requiredOption('--key <file>', 'an assertionMethod key of the issuer')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--csv <file>', 'the rows')
    .requiredOption('--out <dir>', 'directory for one <role>-<subject suffix>.jwt per row')
    .option('--expires <iso>', 'expiry (default one year)')
    .option('--utility <did>', 'whose schemas to use')
    .action(
      write(async (home, o: { issuer: string; key: string; role: string; csv: string; out: string; expires?: string; utility?: string }) => {
        // What holds for every row is checked once, before any row allocates a status index: a
        // batch-wide mistake is one usage error for the run, not one failure (and a burnt index) per row.
        const role = roleOf(o.role)
        const validUntil = expiry(o.expires)
        if (validUntil <= Math.floor(Date.now() / 1000)) throw new UsageError(`--expires must be in the future, got ${o.expires}`)
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
      }),
    )
  vc.command('mandate')
    .description("a user's mandate to an aggregator; prints the JWT")
    .requiredOption('--user <did>', "the user's DID (issuer)")
    .requiredOption('--key <file>', "an assertionMethod key of the user")
    .requiredOption('--aggregator <did>', "the aggregator's DID")
    .requiredOption('--actions <list>', 'e.g. response.bid,settlement.receive')
    .requiredOption('--max-kw <n>', 'capacity cap in kW')
    .requiredOption('--until <iso>', 'end of validity')
    .option('--utility <did>', 'whose mandate schema to use')
    .action(
      write(async (home, o: { user: string; key: string; aggregator: string; actions: string; maxKw: string; until: string; utility?: string }) => {
        const maxKw = numberOption(o.maxKw, '--max-kw', { exclusive: true })
        const validUntil = time(o.until, '--until')
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
      }),
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
          if (!record || record.jwt !== jwt || record.issuer !== o.issuer) throw new CliError(`not a credential ${o.issuer} issued from this home`)
          const signer = openKeystore(o.key, await passphrase())
          const registry = new StatusRegistry({ did: o.issuer, signer, ledger: home.ledger, resolver: home.resolver, store: home.statusStore(o.issuer) })
          await registry[name](jwt)
          return { json: { jti, status: name }, text: `${name === 'revoke' ? 'revoked' : name === 'suspend' ? 'suspended' : 'reinstated'} ${jti}` }
        }),
      )
  }

  // ---------------------------------------------------------------------------------------------
  program
    .command('vp')
    .description('presentations')
    .command('create')
    .description("a holder's presentation bound to an audience and a challenge; prints the JWT")
    .requiredOption('--holder <did>', "the holder's DID")
    .requiredOption('--key <file>', 'an authentication key of the holder')
    .requiredOption('--credential <jwt>', 'a credential JWT, @file or - (repeatable)', collect, [] as string[])
    .requiredOption('--audience <aud>', 'the contract or service')
    .requiredOption('--challenge <nonce>', "the verifier's challenge")
    .option('--binding <digest>', 'the digest of the terms it authorises (termsDigest: 0x + 64 hex)')
    .action(
      read(async (home, o: { holder: string; key: string; credential: string[]; audience: string; challenge: string; binding?: string }) => {
        const binding = bindingOption(o.binding)
        const holder = await signerFor(home, o.holder, openKeystore(o.key, await passphrase()), 'authentication')
        const credentials = await Promise.all(o.credential.map((c) => readJwt(c, io)))
        const jwt = await createPresentation({ holder, credentials, audience: o.audience, challenge: o.challenge, ...(binding ? { binding } : {}) })
        return { json: { jwt }, text: jwt }
      }),
    )

  program
    .command('role')
    .description('the role check contracts call')
    .command('check <vp>')
    .description('prints the decision; exit 0 when allowed, 1 when denied')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--action <action>', 'e.g. response.bid')
    .requiredOption('--audience <aud>', 'the audience the presentation must name')
    .requiredOption('--challenge <nonce>', 'the challenge it must carry')
    .option('--binding <digest>', 'the digest of the terms it must be bound to (termsDigest: 0x + 64 hex)')
    .option('--on-behalf-of <did>', 'the user acted for')
    .option('--capacity-kw <n>', 'capacity of the action, kW')
    .option('--at <iso>', 'check as of this time (default now)')
    .option('--utility <did>', 'whose trust registry to use')
    .action(
      read(async (home, arg: string, o: { role: string; action: string; audience: string; challenge: string; binding?: string; onBehalfOf?: string; capacityKw?: string; at?: string; utility?: string }) => {
        const binding = bindingOption(o.binding)
        const capacityKw = o.capacityKw === undefined ? undefined : numberOption(o.capacityKw, '--capacity-kw')
        const decision = await checkRole(
          await readJwt(arg, io),
          { role: roleOf(o.role), action: o.action, ...(o.onBehalfOf ? { onBehalfOf: o.onBehalfOf } : {}), ...(capacityKw !== undefined ? { capacityKw } : {}) },
          { ...(await context(home, o.at, o.utility)), audience: o.audience, challenge: o.challenge, ...(binding ? { binding } : {}) },
        )
        if (!decision.allowed) setExit(1)
        const text = decision.allowed
          ? `allowed: ${decision.subject} as ${decision.role} for ${decision.action}${decision.actingFor !== decision.subject ? ` on behalf of ${decision.actingFor}` : ''}`
          : ['denied:', ...decision.reasons.map((r) => `  ${r.code}: ${printable(r.message)}`)].join('\n')
        return { json: decision, text }
      }),
    )

  registerChainCommands(program, io, { globals, passphrase, openHome })
  registerGateCommands(program, io, { globals, passphrase, openHome })

  // ---------------------------------------------------------------------------------------------
  program
    .command('serve')
    .description('run the universal resolver endpoint on this home')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--port <port>', 'port', '8080')
    .option('--sync-interval <ms>', 'how often a chain ledger\'s index follows the chain', '1000')
    .option('--no-checkpoints', "re-verify every DID's whole log on a cold resolve instead of starting from the resolver's checkpoints")
    .action(async (o: { host: string; port: string; syncInterval: string; checkpoints: boolean }) => {
      const { createHandler, serve } = await import('../server/node.js')
      const port = portOption(o.port)
      const interval = numberOption(o.syncInterval, '--sync-interval', { min: 10, integer: true })
      const home = await openHome({
        create: false,
        checkpoints: o.checkpoints,
        onSyncError: (err) => io.stderr(`sync failed: ${printable(err instanceof Error ? err.message : String(err))}\n`),
      })
      if ('start' in home.ledger && typeof home.ledger.start === 'function') (home.ledger as { start(ms: number): void }).start(interval)
      const running = await serve(createHandler({ resolver: home.resolver }), { host: o.host, port, log: (l) => io.stderr(`${printable(l)}\n`) })
      io.stdout(globals().json ? `${JSON.stringify({ url: running.url })}\n` : `listening on ${running.url}\n`)
      await new Promise<void>((resolve) => {
        const stop = () => void running.close().then(() => home.close()).then(resolve)
        process.once('SIGINT', stop)
        process.once('SIGTERM', stop)
      })
    })
}

// -------------------------------------------------------------------------------------------------

function parseService(spec: string): ServiceEntry {
  const [id, type, ...rest] = spec.split(',')
  const url = rest.join(',')
  if (!id || !type || !url) throw new UsageError(`a service is ID,TYPE,URL, got "${spec}"`)
  return { id, type, serviceEndpoint: url }
}

function nextKeyId(state: DidState): string {
  let n = state.verificationMethods.length + 1
  while (state.verificationMethods.some((vm) => vm.id === `key-${n}`)) n++
  return `key-${n}`
}

/**
 * Anchors a DID operation built on `before` (the DID's latest state), refusing first, with the fold's
 * own rules, one that would not apply (wrong key, stale `prev`, a patch that does not fit, a
 * deactivated DID): an honest writer anchors no junk.
 */
async function anchored(home: Home, before: DidState, op: EncodedOperation, what: string): Promise<{ json: unknown; text: string }> {
  assertApplies(before, op)
  const did = before.did
  const [receipt] = await home.ledger.submit([op.bytes])
  const state = await home.resolver.resolveState(did)
  if (state.head !== receipt!.cid && state.recoveryHead !== receipt!.cid) {
    throw new CliError(`the ${what} was anchored but did not apply; see \`grid-did did history ${did}\``)
  }
  return { json: { did, receipt, versionId: state.versionId }, text: `${what}: ${did} is at version ${state.versionId}` }
}

/** Whether the resource at `url` has a version; an outage or a damaged store throws, never "no". */
async function hasResource(home: Home, url: string): Promise<boolean> {
  try {
    await home.resolver.resolveResource(url)
    return true
  } catch (err) {
    if (err instanceof ResourceNotFoundError) return false
    throw err
  }
}

function roleOf(value: string): RoleName {
  if (!(ROLES as readonly string[]).includes(value)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got "${value}"`)
  return value as RoleName
}

function utilityOf(home: Home, given: string | undefined): string {
  const utility = given ?? home.config.utility
  if (!utility) throw new UsageError('no utility: run `grid-did trust init` first, or pass --utility')
  return parseDid(utility).did
}

/** The JWT signer for `did` with `key`: the verification method holding that key in `relationship`. */
async function signerFor(home: Home, did: string, key: Ed25519KeyPair, relationship: VerificationRelationship): Promise<JwtSigner> {
  const state = await home.resolver.resolveState(did)
  const vm = state.verificationMethods.find((v) => v.publicKeyMultibase === key.publicKeyMultibase && v.purposes.includes(relationship))
  if (!vm) throw new CliError(`that key is not in the ${relationship} relationship of ${did}`)
  return { did, keyId: vm.id, signer: key }
}

function statusRegistry(home: Home, issuer: JwtSigner): StatusRegistry {
  return new StatusRegistry({ did: issuer.did, signer: issuer.signer, ledger: home.ledger, resolver: home.resolver, store: home.statusStore(issuer.did) })
}

async function context(home: Home, at: string | undefined, utility: string | undefined): Promise<VerificationContext> {
  const u = utilityOf(home, utility)
  const head = await home.ledger.head()
  return { resolver: home.resolver, trustRegistry: trustRegistryUrl(u), time: at ? time(at, '--at') : Math.floor(Date.now() / 1000), height: head.finalizedHeight }
}

/**
 * A time flag (`--expires`, `--until`, `--at`): an ISO 8601 date (`2027-12-31`, UTC midnight) or a
 * date and time with `Z` or an offset, parsed strictly: every component must be in range for its
 * calendar (no 2027-02-30, 24:00, :60 or +24:00), never rolled over into another date.
 * @throws {UsageError} naming the flag (exit code 2).
 */
function time(value: string, name: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:T(\d\d):(\d\d)(?::(\d\d)(?:\.\d+)?)?(Z|([+-])(\d\d):(\d\d)))?$/.exec(value)
  if (!m) throw new UsageError(`${name} must be an ISO 8601 date or date and time with Z or an offset, got "${printable(value)}"`)
  const [year, month, day, hour = 0, minute = 0, second = 0, , , offsetHours = 0, offsetMinutes = 0] = m.slice(1).map((c) => (c === undefined ? undefined : Number(c)))
  const lastDay = new Date(0)
  lastDay.setUTCFullYear(year!, month!, 0) // day 0 of the next month (years 0–99 too, unlike Date.UTC)
  const daysInMonth = lastDay.getUTCDate()
  if (month! < 1 || month! > 12 || day! < 1 || day! > daysInMonth || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    throw new UsageError(`${name} is not a valid date or time: "${value}"`)
  }
  return Math.floor(Date.parse(value) / 1000)
}

function expiry(value: string | undefined): number {
  return value ? time(value, '--expires') : Math.floor(Date.now() / 1000) + 365 * 86_400
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (err) {
    throw new CliError(`cannot read ${file} as JSON: ${(err as Error).message}`)
  }
}

/** A JWT argument: the token itself, `@file`, or `-` for stdin. */
async function readJwt(arg: string, io: Io): Promise<string> {
  let text = arg
  if (arg === '-') text = await io.readStdin()
  else if (arg.startsWith('@')) {
    try {
      text = readFileSync(arg.slice(1), 'utf8')
    } catch {
      throw new CliError(`cannot read ${arg.slice(1)}`)
    }
  }
  text = text.trim()
  if (!/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text)) throw new UsageError('expected a JWT (or @file, or - for stdin)')
  return text
}

/** A credential CSV file, read as `parseCredentialCsv` reads it; a file it cannot read as a whole is a one-line error. */
function readCsv<R extends RoleName>(file: string, role: R): ParsedCredentialCsv<R> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    throw new CliError(`cannot read ${file}`)
  }
  try {
    return parseCredentialCsv(text, role)
  } catch (err) {
    if (err instanceof SyntaxError) throw new CliError(`${file} is not a valid CSV: ${err.message}`)
    throw err
  }
}

/** Whether `file` holds exactly `text` (a missing or unreadable file does not). */
function holds(file: string, text: string): boolean {
  try {
    return readFileSync(file, 'utf8') === text
  } catch {
    return false
  }
}

/** A progress bar on an interactive stderr; silent otherwise. */
function progressBar(io: Io, total: number): (done: number) => void {
  if (!io.interactive || total === 0) return () => undefined
  let last = -1
  return (done) => {
    const pct = Math.floor((done / total) * 100)
    if (pct === last) return
    last = pct
    const width = 30
    const filled = Math.round((done / total) * width)
    io.stderr(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${done === total ? '\n' : ''}`)
  }
}

/** The passphrase: `$GRID_DID_PASSPHRASE`, or a prompt with echo off when interactive. */
async function readPassphrase(io: Io): Promise<string> {
  const env = process.env.GRID_DID_PASSPHRASE
  if (env !== undefined) return env
  if (!process.stdin.isTTY || !io.interactive) throw new CliError('no passphrase: set $GRID_DID_PASSPHRASE or run interactively')
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true })
  const muted = rl as unknown as { _writeToOutput: (s: string) => void }
  io.stderr('passphrase: ')
  muted._writeToOutput = () => undefined
  try {
    return await new Promise<string>((resolve) => rl.question('', resolve))
  } finally {
    rl.close()
    io.stderr('\n')
  }
}

/** `--binding`: a presentation's binding, `0x` and 64 lowercase hex digits. */
function bindingOption(value: string | undefined): string | undefined {
  if (value !== undefined && !isBinding(value)) throw new UsageError('--binding must be 0x and 64 lowercase hex digits (the termsDigest of the terms)')
  return value
}
