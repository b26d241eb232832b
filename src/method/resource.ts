import type { OperationFaultReason } from '../errors.js'
import type { JsonValue } from '../lib/jcs.js'
import { parseDid } from './did.js'
import type { OperationSigner } from './keys.js'
import { signOperation, type EncodedOperation, type ResourceOperation } from './operation.js'
import { refusal, type CheckedOperation, type DidState, type FoldMark, type SkippedOperation } from './state.js'

/** Options of {@link publishResource}. */
export interface PublishResourceOptions {
  /** The owner DID. */
  did: string
  /** 1-64 characters `A-Z a-z 0-9 _ -`; the resource's URL is `<did>/resources/<resourceId>`. */
  resourceId: string
  /** What the content is; every version of a resource keeps the first version's type. */
  resourceType: string
  /** The JSON object to publish. Integers only, no `null` (the canonical value domain). */
  content: { [key: string]: JsonValue }
  /** CID of the resource's latest version; omit for the first version. */
  prev?: string
  /** The owner's update key, or a key in its `assertionMethod` relationship. */
  signer: OperationSigner
}

/**
 * Builds and signs one version of a DID-linked resource. Submit `bytes` to the ledger; the
 * resource then dereferences at `<did>/resources/<resourceId>`.
 *
 * @throws {InvalidOperationError} when the content or ids break a format rule or size limit.
 * @example
 * ```ts
 * const op = await publishResource({ did, resourceId: 'schema-user', resourceType: 'JsonSchema',
 *   content: USER_SCHEMA, signer: assertionKey })
 * await ledger.submit([op.bytes])
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-linked-resources
 */
export async function publishResource(options: PublishResourceOptions): Promise<EncodedOperation<ResourceOperation>> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  const unsigned: Omit<ResourceOperation, 'key' | 'sig'> = {
    type: 'resource',
    did: options.did,
    resourceId: options.resourceId,
    resourceType: options.resourceType,
    content: options.content,
  }
  if (options.prev !== undefined) unsigned.prev = options.prev
  return signOperation<ResourceOperation>(unsigned, options.signer)
}

/**
 * Whether `key` (a Multikey) may sign resource versions for `owner`: its update key, or a key in its
 * `assertionMethod` relationship. The one rule the fold applies and publishers check before signing.
 * @internal
 */
export function mayPublishResources(owner: Pick<DidState, 'updateKey' | 'verificationMethods'>, key: string): boolean {
  return (
    key === owner.updateKey ||
    owner.verificationMethods.some((vm) => vm.publicKeyMultibase === key && vm.purposes.includes('assertionMethod'))
  )
}

/** One applied version of a resource. `content` is deeply frozen and shared: copy before changing it. */
export interface ResourceVersion {
  /** 1-based. */
  versionId: number
  cid: string
  resourceType: string
  content: Readonly<{ [key: string]: JsonValue }>
  /** The Multikey that signed this version. */
  key: string
  height: number
  position: number
  time: number
}

/**
 * The fold of one resource's log. A version applies when its owner DID exists and is active at the
 * version's ledger position, it is signed by the owner's update key or an `assertionMethod` key
 * there, `prev` names the last applied version (absent for the first), and the type is unchanged.
 * Anything else is skipped with a reason, never fatal.
 * @internal The resolver keeps one per cached resource.
 */
export class ResourceFold {
  readonly did: string
  readonly resourceId: string
  readonly versions: ResourceVersion[] = []
  readonly skipped: SkippedOperation[] = []
  readonly #applied = new Set<string>()

  constructor(did: string, resourceId: string) {
    this.did = parseDid(did).did
    this.resourceId = resourceId
  }

  /** Where the fold stands, for {@link ResourceFold.rollback}. */
  mark(): FoldMark<never> {
    return { versions: this.versions.length, skipped: this.skipped.length, state: undefined }
  }

  /** Undoes every push since `mark`. */
  rollback(mark: FoldMark<never>): void {
    for (const v of this.versions.splice(mark.versions)) this.#applied.delete(v.cid)
    this.skipped.length = mark.skipped
  }

  /** Folds one checked operation against the owner's state at its position. */
  push(record: CheckedOperation, owner: DidState | undefined): ResourceVersion | undefined {
    const fault = record.fault ?? this.#fault(record, owner)
    if (fault) {
      const skip: SkippedOperation = { cid: record.cid, height: record.height, position: record.position, time: record.time, ...fault }
      if (record.decoded) skip.type = record.decoded.operation.type
      this.skipped.push(skip)
      return undefined
    }
    const op = record.decoded!.operation as ResourceOperation
    const version: ResourceVersion = Object.freeze({
      versionId: this.versions.length + 1,
      cid: record.cid,
      resourceType: op.resourceType,
      content: op.content,
      key: op.key,
      height: record.height,
      position: record.position,
      time: record.time,
    })
    this.versions.push(version)
    this.#applied.add(record.cid)
    return version
  }

  #fault(record: CheckedOperation, owner: DidState | undefined): { reason: OperationFaultReason; message: string } | undefined {
    const decoded = record.decoded
    if (!decoded) return { reason: 'malformed', message: 'operation was not decoded' }
    const op = decoded.operation
    if (op.type !== 'resource' || op.did !== this.did || op.resourceId !== this.resourceId) {
      return { reason: 'wrong-did', message: `operation is not a version of ${this.did}/resources/${this.resourceId}` }
    }
    if (this.#applied.has(record.cid)) return { reason: 'duplicate', message: 'operation was already applied' }
    const last = this.versions.at(-1)
    if (!owner) return { reason: 'no-create', message: 'the owner DID does not exist at this ledger position' }
    if (owner.deactivated) return { reason: 'after-deactivation', message: 'the owner DID is deactivated' }
    if (!mayPublishResources(owner, op.key))
      return { reason: 'unauthorized', message: "not signed by the owner's update key or an assertionMethod key" }
    if ((op.prev ?? undefined) !== last?.cid) {
      return {
        reason: 'wrong-predecessor',
        message: last ? 'prev is not the last applied version' : 'the first version must not have prev',
      }
    }
    if (last && op.resourceType !== last.resourceType) {
      return { reason: 'type-changed', message: `resourceType must stay "${last.resourceType}"` }
    }
    return undefined
  }
}

/**
 * Refuses, before anything is anchored, a resource version the fold would skip if it were anchored
 * next: `owner` is the owner DID's latest state (undefined when it does not exist), `latest` the
 * resource's latest applied version (undefined for none). The fold's own rules, in one place.
 *
 * @throws {InvalidOperationError} with the fold's fault reason (`unauthorized`,
 *   `wrong-predecessor`, `type-changed`, `after-deactivation`, `no-create`) and the rule broken.
 * @example `assertResourceApplies(await resolver.resolveState(did), latest, op)`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-linked-resources
 */
export function assertResourceApplies(
  owner: DidState | undefined,
  latest: Pick<ResourceVersion, 'cid' | 'resourceType'> | undefined,
  operation: EncodedOperation,
): void {
  const op = operation.operation
  const fold = new ResourceFold(operation.did, op.type === 'resource' ? op.resourceId : '')
  if (latest) fold.versions.push(latest as ResourceVersion)
  fold.push({ bytes: operation.bytes, height: 0, position: 0, time: 0, cid: operation.cid, decoded: operation }, owner)
  const skip = fold.skipped[0]
  if (skip) throw refusal(operation, skip)
}
