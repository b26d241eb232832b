import type { OperationFaultReason } from '../errors.js'
import { deepFreeze } from '../lib/jcs.js'
import { applyPatches } from './apply-patches.js'
import type { DocumentContent } from './operation-types.js'
import type { AppliedVersion, CheckedOperation, DidHistory, DidState, FoldMark, SkippedOperation } from './state-types.js'

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
   * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#checkpoints
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
