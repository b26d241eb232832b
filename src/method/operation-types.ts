import type { JsonValue } from '../lib/jcs.js'

/** DID Core verification relationships an operation may assign. */
export type VerificationRelationship =
  | 'authentication'
  | 'assertionMethod'
  | 'keyAgreement'
  | 'capabilityInvocation'
  | 'capabilityDelegation'

/** All relationships, in the order documents list them. */
export const VERIFICATION_RELATIONSHIPS: readonly VerificationRelationship[] = [
  'authentication',
  'assertionMethod',
  'keyAgreement',
  'capabilityInvocation',
  'capabilityDelegation',
]

/** A verification method as operations carry it: a Multikey plus the relationships it serves. */
export interface VerificationMethodEntry {
  /** Fragment id, e.g. `key-1` (becomes `did:grid:…#key-1`). */
  id: string
  type: 'Multikey'
  publicKeyMultibase: string
  purposes: VerificationRelationship[]
}

/** Service endpoint: a URI, a set of URIs, or a map (DID Core §5.4). */
export type ServiceEndpointValue = string | string[] | { [key: string]: JsonValue }

/** A service as operations carry it. */
export interface ServiceEntry {
  /** Fragment id, e.g. `files`. */
  id: string
  type: string | string[]
  serviceEndpoint: ServiceEndpointValue
}

/** The document content a create or recover operation sets in full. */
export interface DocumentContent {
  verificationMethods?: VerificationMethodEntry[]
  services?: ServiceEntry[]
  /**
   * The document's `controller` (DID Core §5.1.2). Informational: authority over did:grid operations
   * stays with the update and recovery keys.
   */
  controller?: string[]
  alsoKnownAs?: string[]
}

/** One change carried by an update operation. Patches apply in order, all or nothing. */
export type Patch =
  | { action: 'add-verification-method'; method: VerificationMethodEntry }
  | { action: 'remove-verification-method'; id: string }
  | { action: 'set-relationships'; id: string; purposes: VerificationRelationship[] }
  | { action: 'add-service'; service: ServiceEntry }
  | { action: 'remove-service'; id: string }
  | { action: 'set-controller'; controller: string[] }
  | { action: 'set-also-known-as'; alsoKnownAs: string[] }

interface Signed {
  /** The signing public key (Multikey); authorization is checked against the DID's state. */
  key: string
  /** base64url Ed25519 signature over the signing input (spec §Signatures). */
  sig: string
}

/** Genesis operation. The DID suffix is the base32 SHA-256 of its canonical bytes. */
export interface CreateOperation extends Signed {
  type: 'create'
  network: string
  updateKey: string
  recoveryKey: string
  document: DocumentContent
  nonce: string
}

/** Day-to-day change, signed by the current update key; may rotate the update key. */
export interface UpdateOperation extends Signed {
  type: 'update'
  did: string
  /** CID of the DID's last applied operation. */
  prev: string
  patches: Patch[]
  /** New update key, if this update rotates it. */
  updateKey?: string
}

/** Replaces the whole state and both keys; signed by the current recovery key. */
export interface RecoverOperation extends Signed {
  type: 'recover'
  did: string
  /** CID of the DID's last applied create or recover operation. */
  prev: string
  updateKey: string
  recoveryKey: string
  document: DocumentContent
}

/** Final deactivation; signed by the current recovery key. */
export interface DeactivateOperation extends Signed {
  type: 'deactivate'
  did: string
  /** CID of the DID's last applied create or recover operation. */
  prev: string
}

/**
 * One version of a DID-linked resource (a JSON Schema, a trust registry, a status list): signed by
 * the owner's update key or by a key in its `assertionMethod` relationship, and chained by `prev`
 * to the resource's previous version. Anchored under its own index key, {@link resourceSuffix}, so
 * resources never lengthen the owner DID's log.
 */
export interface ResourceOperation extends Signed {
  type: 'resource'
  /** The owner DID. */
  did: string
  /** The resource's id: the last segment of `did:grid:…/resources/<resourceId>`. */
  resourceId: string
  /** CID of the resource's last applied version; absent on its first version. */
  prev?: string
  /** What the content is, e.g. `JsonSchema`, `TrustRegistry`, `BitstringStatusListCredential`. Fixed by the first version. */
  resourceType: string
  /** The resource itself (a JSON object; served as `application/json`). */
  content: { [key: string]: JsonValue }
}

export type Operation = CreateOperation | UpdateOperation | RecoverOperation | DeactivateOperation | ResourceOperation
export type OperationType = Operation['type']

/** An operation with everything derived from its canonical bytes. `operation` is deeply frozen. */
export interface EncodedOperation<T extends Operation = Operation> {
  operation: T
  /** Canonical bytes (what the ledger stores). */
  bytes: Uint8Array
  /** SHA-256 of `bytes`. */
  digest: Uint8Array
  /** CIDv1 (json codec, sha2-256) of `bytes`, base32. */
  cid: string
  /** The DID the operation belongs to. */
  did: string
  /** The DID's suffix (index key on the ledger). */
  suffix: string
}
