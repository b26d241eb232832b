import { InvalidOperationError, type OperationFaultReason } from '../errors.js'
import { deepFreeze } from '../lib/jcs.js'
import { parseDid } from './did.js'
import { decodeMultikey } from './keys.js'
import { LIMITS } from './limits.js'
import {
  decodeOperation,
  operationCid,
  operationFault,
  type DocumentContent,
  type EncodedOperation,
  type OperationType,
  type Patch,
  type ServiceEntry,
  type VerificationMethodEntry,
} from './operation.js'

/** An operation as a ledger returns it: bytes plus where and when it was anchored. */
export interface AnchoredOperation {
  /** Canonical operation bytes, exactly as submitted. */
  bytes: Uint8Array
  /** Ledger height (batch number, block number on a chain). */
  height: number
  /** Position inside the batch. */
  position: number
  /** Anchoring time, Unix seconds (block time). */
  time: number
}

/** An anchored operation after the stand-alone checks: decoded, or the reason it is invalid. */
export interface CheckedOperation extends AnchoredOperation {
  cid: string
  decoded?: EncodedOperation
  fault?: { reason: OperationFaultReason; message: string }
}

/** The state of one DID after folding its operations. Immutable: every change makes a new object. */
export interface DidState {
  readonly did: string
  readonly network: string
  readonly suffix: string
  /** Current update key (Multikey). */
  readonly updateKey: string
  /** Current recovery key (Multikey). */
  readonly recoveryKey: string
  readonly verificationMethods: readonly VerificationMethodEntry[]
  readonly services: readonly ServiceEntry[]
  readonly controller: readonly string[]
  readonly alsoKnownAs: readonly string[]
  readonly deactivated: boolean
  /** CID of the last applied operation: the `prev` of the next update. */
  readonly head: string
  /** CID of the last applied create or recover: the `prev` of the next recover or deactivate. */
  readonly recoveryHead: string
  /** 1-based count of applied operations; `1` is the create. */
  readonly versionId: number
  /** Anchoring time of the create (Unix seconds). */
  readonly created: number
  /** Anchoring time of the last applied operation after the create, if any. */
  readonly updated?: number
}

/** One applied operation. */
export interface AppliedVersion {
  versionId: number
  cid: string
  type: OperationType
  height: number
  position: number
  time: number
}

/** One operation the fold skipped, with the rule it broke. */
export interface SkippedOperation {
  cid: string
  /** The operation's type, when it could be decoded. */
  type?: OperationType
  height: number
  position: number
  time: number
  reason: OperationFaultReason
  message: string
}

/** Where a fold stood: the lengths of its lists and its state. @internal */
export interface FoldMark<S> {
  versions: number
  skipped: number
  state: S | undefined
}

/** Result of folding a DID's operations. */
export interface DidHistory {
  did: string
  /** Latest state; undefined when no valid create exists. */
  state: DidState | undefined
  versions: AppliedVersion[]
  skipped: SkippedOperation[]
}

/**
 * Runs the stand-alone checks on one anchored operation without throwing.
 * @see ../../spec/did-grid.md#resolution-algorithm
 */
export function checkOperation(record: AnchoredOperation): CheckedOperation {
  try {
    const decoded = decodeOperation(record.bytes)
    return { ...record, cid: decoded.cid, decoded }
  } catch (err) {
    return { ...record, cid: operationCid(record.bytes), fault: operationFault(err) }
  }
}

/**
 * The incremental fold of one DID's operations (in ledger order) to its state. Invalid operations
 * are recorded as skipped and never stop the fold (spec §Resolution algorithm).
 * @internal The resolver keeps one per cached DID and pushes newly anchored operations into it.
 */
export class DidFold {
  readonly did: string
  readonly suffix: string
  state: DidState | undefined = undefined
  readonly versions: AppliedVersion[] = []
  readonly skipped: SkippedOperation[] = []
  readonly #applied = new Set<string>()

  constructor(did: string, suffix: string) {
    this.did = did
    this.suffix = suffix
  }

  /**
   * A fold that continues from `state`, the state after some prefix of the DID's log (a checkpoint
   * the resolver computed itself). Afterwards `state` is exact, while `versions` and `skipped` hold
   * only the operations pushed since.
   *
   * The applied-CID set (rule 6.3) starts empty, which changes at most a skip reason, never a state.
   * For an operation X to apply a second time, the head (update) or recovery head (recover,
   * deactivate) would have to go back from X's own CID to X's `prev`, so the operation named by
   * `prev`, which applied before X, would have to apply again first: the earliest repeat cannot
   * exist, and a repeated create meets rule 6.7. So the fold depends only on the state it starts from.
   * @see ../../spec/did-grid.md#checkpoints
   */
  static resume(did: string, suffix: string, state: DidState | undefined): DidFold {
    const fold = new DidFold(did, suffix)
    if (state) fold.state = deepFreeze(state)
    return fold
  }

  /** Where the fold stands, for {@link DidFold.rollback}. */
  mark(): FoldMark<DidState> {
    return { versions: this.versions.length, skipped: this.skipped.length, state: this.state }
  }

  /** Undoes every push since `mark` (a read that failed halfway must leave no trace). */
  rollback(mark: FoldMark<DidState>): void {
    for (const v of this.versions.splice(mark.versions)) this.#applied.delete(v.cid)
    this.skipped.length = mark.skipped
    this.state = mark.state
  }

  /** Folds one checked operation; returns the new state when it applied, undefined when skipped. */
  push(record: CheckedOperation): DidState | undefined {
    const fault = record.fault ?? this.#fault(record)
    const applied = fault ? undefined : this.#apply(record)
    if (applied === undefined || typeof applied === 'string') {
      const skip: SkippedOperation = {
        cid: record.cid,
        height: record.height,
        position: record.position,
        time: record.time,
        ...(fault ?? { reason: 'invalid-patch', message: applied as string }),
      }
      if (record.decoded) skip.type = record.decoded.operation.type
      this.skipped.push(skip)
      return undefined
    }
    const next = freezeState(applied)
    this.state = next
    this.#applied.add(record.cid)
    this.versions.push({
      versionId: next.versionId,
      cid: record.cid,
      type: record.decoded!.operation.type,
      height: record.height,
      position: record.position,
      time: record.time,
    })
    return next
  }

  #fault(record: CheckedOperation): { reason: OperationFaultReason; message: string } | undefined {
    const { decoded } = record
    if (!decoded) return { reason: 'malformed', message: 'operation was not decoded' }
    if (decoded.did !== this.did) return { reason: 'wrong-did', message: `operation belongs to ${decoded.did}` }
    // A resource operation names its owner DID but lives in its own log (spec §DID-linked resources).
    if (decoded.suffix !== this.suffix) return { reason: 'wrong-did', message: 'a resource operation is not part of a DID log' }
    if (this.#applied.has(record.cid)) return { reason: 'duplicate', message: 'operation was already applied' }
    const op = decoded.operation
    const state = this.state
    if (!state) {
      return op.type === 'create' ? undefined : { reason: 'no-create', message: `${op.type} before a valid create` }
    }
    if (state.deactivated) return { reason: 'after-deactivation', message: 'the DID is deactivated' }
    switch (op.type) {
      case 'resource':
        return { reason: 'wrong-did', message: 'a resource operation is not part of a DID log' }
      case 'create':
        return { reason: 'duplicate', message: 'the DID already exists' }
      case 'update':
        if (op.key !== state.updateKey) return { reason: 'unauthorized', message: 'not signed by the current update key' }
        if (op.prev !== state.head) return { reason: 'wrong-predecessor', message: 'prev is not the last applied operation' }
        return undefined
      case 'recover':
      case 'deactivate':
        if (op.key !== state.recoveryKey) return { reason: 'unauthorized', message: 'not signed by the current recovery key' }
        if (op.prev !== state.recoveryHead) {
          return { reason: 'wrong-predecessor', message: 'prev is not the last applied create or recover operation' }
        }
        return undefined
    }
  }

  /** Returns the next state, or a message when a patch does not apply. */
  #apply(record: CheckedOperation): DidState | string {
    const decoded = record.decoded!
    const op = decoded.operation
    const prev = this.state
    switch (op.type) {
      case 'create':
        return {
          did: decoded.did,
          network: op.network,
          suffix: decoded.suffix,
          updateKey: op.updateKey,
          recoveryKey: op.recoveryKey,
          ...contentOf(op.document),
          deactivated: false,
          head: record.cid,
          recoveryHead: record.cid,
          versionId: 1,
          created: record.time,
        }
      case 'update': {
        const base = prev!
        const changed = applyPatches(base, op.patches)
        if (typeof changed === 'string') return changed
        return next(base, record, { ...changed, updateKey: op.updateKey ?? base.updateKey })
      }
      case 'recover':
        return next(prev!, record, {
          updateKey: op.updateKey,
          recoveryKey: op.recoveryKey,
          ...contentOf(op.document),
          recoveryHead: record.cid,
        })
      case 'resource':
        return 'a resource operation is not part of a DID log' // #fault already refused it
      case 'deactivate':
        return next(prev!, record, {
          verificationMethods: [],
          services: [],
          controller: [],
          alsoKnownAs: [],
          deactivated: true,
          recoveryHead: record.cid,
        })
    }
  }

  /** A snapshot as a plain history object. */
  history(): DidHistory {
    return { did: this.did, state: this.state, versions: [...this.versions], skipped: [...this.skipped] }
  }
}

/** States are shared by caches and callers: freeze the state, its lists and their entries. */
function freezeState(state: DidState): DidState {
  for (const list of [state.verificationMethods, state.services, state.controller, state.alsoKnownAs]) {
    for (const item of list) Object.freeze(item)
    Object.freeze(list)
  }
  return Object.freeze(state)
}

function next(base: DidState, record: CheckedOperation, changes: Partial<DidState>): DidState {
  return { ...base, ...changes, head: record.cid, versionId: base.versionId + 1, updated: record.time }
}

function contentOf(doc: DocumentContent): Pick<DidState, 'verificationMethods' | 'services' | 'controller' | 'alsoKnownAs'> {
  return {
    verificationMethods: doc.verificationMethods ?? [],
    services: doc.services ?? [],
    controller: doc.controller ?? [],
    alsoKnownAs: doc.alsoKnownAs ?? [],
  }
}

type Content = Pick<DidState, 'verificationMethods' | 'services' | 'controller' | 'alsoKnownAs'>

/** Applies patches in order, all or nothing. */
function applyPatches(base: DidState, patches: readonly Patch[]): Content | string {
  let vms = base.verificationMethods
  let services = base.services
  let controller = base.controller
  let alsoKnownAs = base.alsoKnownAs
  const taken = (id: string) => vms.some((v) => v.id === id) || services.some((s) => s.id === id)
  for (const [i, p] of patches.entries()) {
    const at = `patches[${i}]`
    switch (p.action) {
      case 'add-verification-method':
        if (taken(p.method.id)) return `${at}: id "${p.method.id}" already exists`
        if (vms.length >= LIMITS.verificationMethods) return `${at}: more than ${LIMITS.verificationMethods} verification methods`
        vms = [...vms, p.method]
        break
      case 'remove-verification-method':
        if (!vms.some((v) => v.id === p.id)) return `${at}: no verification method "${p.id}"`
        vms = vms.filter((v) => v.id !== p.id)
        break
      case 'set-relationships': {
        const vm = vms.find((v) => v.id === p.id)
        if (!vm) return `${at}: no verification method "${p.id}"`
        const isX25519 = decodeMultikey(vm.publicKeyMultibase).type === 'X25519'
        if (p.purposes.some((x) => (x === 'keyAgreement') !== isX25519)) {
          return `${at}: ${isX25519 ? 'X25519' : 'Ed25519'} key "${p.id}" cannot take these relationships`
        }
        vms = vms.map((v) => (v.id === p.id ? { ...v, purposes: p.purposes } : v))
        break
      }
      case 'add-service':
        if (taken(p.service.id)) return `${at}: id "${p.service.id}" already exists`
        if (services.length >= LIMITS.services) return `${at}: more than ${LIMITS.services} services`
        services = [...services, p.service]
        break
      case 'remove-service':
        if (!services.some((s) => s.id === p.id)) return `${at}: no service "${p.id}"`
        services = services.filter((s) => s.id !== p.id)
        break
      case 'set-controller':
        controller = p.controller
        break
      case 'set-also-known-as':
        alsoKnownAs = p.alsoKnownAs
        break
    }
  }
  return { verificationMethods: vms, services, controller, alsoKnownAs }
}

/**
 * Folds a DID's anchored operations (in ledger order) to its history and latest state. Pure: it
 * verifies every signature itself and skips invalid operations with a reason instead of failing.
 *
 * @throws {InvalidDidError} when `did` is not a did:grid DID.
 * @example
 * ```ts
 * const { state, versions, skipped } = foldOperations(did, await ledger.read(parseDid(did).suffix))
 * ```
 * @see ../../spec/did-grid.md#resolution-algorithm
 */
export function foldOperations(did: string, operations: Iterable<AnchoredOperation>): DidHistory {
  const parsed = parseDid(did)
  const fold = new DidFold(parsed.did, parsed.suffix)
  for (const record of operations) fold.push(checkOperation(record))
  return fold.history()
}

/**
 * The fault the fold would skip `operation` with if it were anchored next on top of `state` (a
 * DID's latest state; undefined when the DID does not exist yet), or undefined when it would apply.
 * The fold's own rules, run on one operation: what honest writers check before anchoring.
 *
 * @example `faultOnState(await resolver.resolveState(did), op) // { reason: 'unauthorized', … }`
 * @see ../../spec/did-grid.md#resolution-algorithm
 */
export function faultOnState(state: DidState | undefined, operation: EncodedOperation): { reason: OperationFaultReason; message: string } | undefined {
  const fold = DidFold.resume(state?.did ?? operation.did, state?.suffix ?? operation.suffix, state)
  fold.push({ bytes: operation.bytes, height: 0, position: 0, time: 0, cid: operation.cid, decoded: operation })
  const skip = fold.skipped[0]
  return skip && { reason: skip.reason, message: skip.message }
}

/**
 * Refuses, before anything is anchored, an operation the fold would skip on top of `state`: an
 * honest writer does not anchor junk (readers still skip junk from dishonest ones).
 *
 * @throws {InvalidOperationError} with the fold's fault reason (`unauthorized`,
 *   `wrong-predecessor`, `after-deactivation`, `invalid-patch`, …) and the rule in the message.
 * @example
 * ```ts
 * const op = await updateDid(state, key, { patches })
 * assertApplies(state, op) // throws unless the update would apply
 * await ledger.submit([op.bytes])
 * ```
 * @see ../../spec/did-grid.md#resolution-algorithm
 */
export function assertApplies(state: DidState | undefined, operation: EncodedOperation): void {
  const fault = faultOnState(state, operation)
  if (fault) throw refusal(operation, fault)
}

/** The error of an operation an honest writer refuses to anchor. @internal */
export function refusal(operation: EncodedOperation, fault: { reason: OperationFaultReason; message: string }): InvalidOperationError {
  return new InvalidOperationError(fault.reason, `the ${operation.operation.type} of ${operation.did} would not apply, so it was not anchored: ${fault.message}`)
}
