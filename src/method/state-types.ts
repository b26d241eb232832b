import type { OperationFaultReason } from '../errors.js'
import type { EncodedOperation, OperationType, ServiceEntry, VerificationMethodEntry } from './operation-types.js'

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
