import { resolve } from 'node:path'
import type { Command } from 'commander'
import { DidDeactivatedError, InvalidOperationError } from '../../errors.js'
import { createDid } from '../../method/create.js'
import { deactivateDid } from '../../method/deactivate.js'
import type { EncodedOperation, Patch, ServiceEntry, VerificationRelationship } from '../../method/operation.js'
import { VERIFICATION_RELATIONSHIPS } from '../../method/operation.js'
import { recoverDid } from '../../method/recover.js'
import { faultOnState, refusal, type DidState } from '../../method/state.js'
import { rotateUpdateKey, updateDid } from '../../method/update.js'
import type { CommandContext } from '../context.js'
import { CliError, UsageError } from '../errors.js'
import type { Home } from '../home.js'
import { keystorePublicKey, openKeystore } from '../keystore.js'
import { collect } from '../options.js'
import { printable } from '../printable.js'

/** `grid-did did …`: create, update, rotate, recover, deactivate a DID, and its history. */
export function registerDidCommands(program: Command, { passphrase, read, write }: CommandContext): void {
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
        // Unlocked, not read: an edited keystore must never name an attacker's recovery key.
        const recovery = keystorePublicKey(o.recoveryKey, pass)
        distinctKeys(['--key', o.key, update.publicKeyMultibase], ['--recovery-key', o.recoveryKey, recovery])
        const op = await createDid({
          network: o.network,
          updateKey: update,
          recoveryKey: recovery,
          document: {
            verificationMethods: [
              {
                id: 'key-1',
                type: 'Multikey',
                publicKeyMultibase: update.publicKeyMultibase,
                purposes: ['authentication', 'assertionMethod'],
              },
            ],
            ...(o.service.length > 0 ? { services: o.service.map(parseService) } : {}),
          },
        })
        const [receipt] = await home.ledger.submit([op.bytes])
        home.addNetwork(o.network)
        home.recordDid(op.did)
        return { json: { did: op.did, receipt }, text: op.did }
      }),
    )
  did
    .command('update <did>')
    .option('--force', FORCE)
    .description('a signed update: add or remove keys and services')
    .requiredOption('--key <file>', 'the current update key')
    .option('--add-key <file>', 'keystore whose public key to add')
    .option('--key-id <id>', 'id of the added key (default key-N)')
    .option('--purpose <list>', 'relationships of the added key', 'authentication,assertionMethod')
    .option('--remove-key <id>', 'verification method to remove')
    .option('--add-service <id,type,url>', 'service to add (repeatable)', collect, [] as string[])
    .option('--remove-service <id>', 'service to remove (repeatable)', collect, [] as string[])
    .action(
      write(
        async (
          home,
          id: string,
          o: {
            key: string
            addKey?: string
            keyId?: string
            purpose: string
            removeKey?: string
            addService: string[]
            removeService: string[]
            force?: boolean
          },
        ) => {
          const state = await current(home, id)
          const patches: Patch[] = []
          if (o.removeKey) patches.push({ action: 'remove-verification-method', id: o.removeKey })
          if (o.addKey) {
            const purposes = o.purpose.split(',').map((p) => p.trim()) as VerificationRelationship[]
            for (const p of purposes)
              if (!VERIFICATION_RELATIONSHIPS.includes(p)) throw new UsageError(`--purpose: unknown relationship "${p}"`)
            const keyId = o.keyId ?? nextKeyId(state)
            patches.push({
              action: 'add-verification-method',
              method: { id: keyId, type: 'Multikey', publicKeyMultibase: keystorePublicKey(o.addKey, await passphrase()), purposes },
            })
          }
          for (const s of o.removeService) patches.push({ action: 'remove-service', id: s })
          for (const s of o.addService) patches.push({ action: 'add-service', service: parseService(s) })
          if (patches.length === 0)
            throw new UsageError('nothing to update: give --add-key, --remove-key, --add-service or --remove-service')
          const op = await updateDid(state, openKeystore(o.key, await passphrase()), { patches })
          return anchored(home, state, op, 'update', o.force)
        },
      ),
    )
  did
    .command('rotate <did>')
    .option('--force', FORCE)
    .description('rotate the update key')
    .requiredOption('--key <file>', 'the current update key')
    .requiredOption('--new-key <file>', 'the new update key (unlocked to check its public key, which is all that is used)')
    .action(
      write(async (home, id: string, o: { key: string; newKey: string; force?: boolean }) => {
        const state = await current(home, id)
        const op = await rotateUpdateKey(state, openKeystore(o.key, await passphrase()), keystorePublicKey(o.newKey, await passphrase()))
        return anchored(home, state, op, 'rotate', o.force)
      }),
    )
  did
    .command('recover <did>')
    .option('--force', FORCE)
    .description('take the DID back with the recovery key: new update, signing and recovery keys')
    .requiredOption('--recovery-key <file>', 'the current recovery key')
    .requiredOption('--new-key <file>', 'new update key, also key-1')
    .requiredOption('--new-recovery-key <file>', 'new recovery key')
    .action(
      write(async (home, id: string, o: { recoveryKey: string; newKey: string; newRecoveryKey: string; force?: boolean }) => {
        const fresh = keystorePublicKey(o.newKey, await passphrase())
        const newRecovery = keystorePublicKey(o.newRecoveryKey, await passphrase())
        distinctKeys(['--new-key', o.newKey, fresh], ['--new-recovery-key', o.newRecoveryKey, newRecovery])
        const state = await current(home, id)
        const op = await recoverDid(state, openKeystore(o.recoveryKey, await passphrase()), {
          newUpdateKey: fresh,
          newRecoveryKey: newRecovery,
          document: {
            verificationMethods: [
              { id: 'key-1', type: 'Multikey', publicKeyMultibase: fresh, purposes: ['authentication', 'assertionMethod'] },
            ],
          },
        })
        return anchored(home, state, op, 'recover', o.force)
      }),
    )
  did
    .command('deactivate <did>')
    .option('--force', FORCE)
    .description('deactivate the DID, for good')
    .requiredOption('--recovery-key <file>', 'the current recovery key')
    .action(
      write(async (home, id: string, o: { recoveryKey: string; force?: boolean }) => {
        const state = await current(home, id)
        const op = await deactivateDid(state, openKeystore(o.recoveryKey, await passphrase()))
        return anchored(home, state, op, 'deactivate', o.force)
      }),
    )
  did
    .command('history <did>')
    .description("the DID's operations with ledger positions and times, applied or skipped")
    .action(
      read(async (home, id: string) => {
        const history = await home.resolver.history(id)
        const text = history.operations
          .map(
            (o) =>
              `h${o.height} p${o.position} ${o.time} ${o.type ?? '?'} ${o.applied ? `applied v${o.versionId}` : `skipped ${printable(String(o.reason))}`}`,
          )
          .join('\n')
        return { json: history.operations, text: text || `${id} has no operations` }
      }),
    )
}

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

/** `--force` on update, rotate, recover and deactivate. */
const FORCE = 'anchor even an operation the current state shows would not apply (it is anchored for good, and skipped by every reader)'

/**
 * The DID's latest state, refusing a deactivated DID: it takes no operation at all (the fold's rule
 * `after-deactivation`), with or without `--force`, since nothing could sign against it.
 */
async function current(home: Home, did: string): Promise<DidState> {
  const state = await home.resolver.resolveState(did)
  if (!state.deactivated) return state
  const err = new DidDeactivatedError(did)
  err.message = `${did} is deactivated: a deactivated DID takes no further operation (rule: after-deactivation); nothing was anchored`
  throw err
}

/** Refuses the same key for two roles that must differ (update and recovery): by file and by public key. */
function distinctKeys(a: [flag: string, file: string, publicKey: string], b: [flag: string, file: string, publicKey: string]): void {
  if (a[2] !== b[2]) return
  const same = resolve(a[1]) === resolve(b[1]) ? 'the same file' : `files holding the same key (${a[2]})`
  throw new UsageError(`${a[0]} and ${b[0]} are ${same}: the recovery key must be a different key, kept apart, or losing one loses both`)
}

/**
 * Anchors a DID operation built on `before` (the DID's latest state), refusing first, with the fold's
 * own rules, one that would not apply (wrong key, stale `prev`, a patch that does not fit): an honest
 * writer anchors no junk. The refusal names the rule (`unauthorized`, `invalid-patch`, …); `force`
 * anchors it anyway (then reported as anchored but not applied).
 */
async function anchored(
  home: Home,
  before: DidState,
  op: EncodedOperation,
  what: string,
  force = false,
): Promise<{ json: unknown; text: string }> {
  const fault = faultOnState(before, op)
  if (fault && !force) {
    const err = refusal(op, fault)
    throw new InvalidOperationError(fault.reason, `${err.message} (rule: ${fault.reason}); --force anchors it anyway`)
  }
  const did = before.did
  const [receipt] = await home.ledger.submit([op.bytes])
  const state = await home.resolver.resolveState(did)
  if (state.head !== receipt!.cid && state.recoveryHead !== receipt!.cid) {
    throw new CliError(
      `the ${what} was anchored but did not apply${fault ? ` (rule: ${fault.reason})` : ''}; see \`grid-did did history ${did}\``,
    )
  }
  return { json: { did, receipt, versionId: state.versionId }, text: `${what}: ${did} is at version ${state.versionId}` }
}
