import { base32 } from 'multiformats/bases/base32'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { InvalidKeyError, InvalidOperationError, type OperationFaultReason } from '../errors.js'
import { fromBase64url, toBase64url, utf8Encode } from '../lib/bytes.js'
import { ed25519Verify, sha256 } from '../lib/crypto.js'
import { messageOf } from '../lib/message.js'
import { canonicalDomainError, canonicalize, deepFreeze, type JsonValue } from '../lib/jcs.js'
import { formatDid, isFragmentId, isNetworkName, parseDid } from './did.js'
import { decodeMultikey, type OperationSigner } from './keys.js'
import { LIMITS } from './limits.js'

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

/** Domain-separation tag prefixed to every signing input. */
export const SIGNING_DOMAIN = 'did:grid:operation:v1'
const JSON_CODEC = 0x0200
const SHA2_256 = 0x12
const NONCE = /^[A-Za-z0-9_-]{16,64}$/
const TYPE_STRING = new RegExp(`^[\\x21-\\x7e]{1,${LIMITS.typeLength}}$`)

/**
 * The bytes an operation's signature covers: `SIGNING_DOMAIN || 0x00 || JCS(operation without sig)`.
 * @see ../../spec/did-grid.md#signatures
 */
export function signingInput(operation: Omit<Operation, 'sig'> | Operation): Uint8Array {
  const { sig: _sig, ...unsigned } = operation as Operation
  const body = utf8Encode(canonicalize(unsigned as unknown as JsonValue))
  const out = new Uint8Array(SIGNING_DOMAIN.length + 1 + body.length)
  out.set(utf8Encode(SIGNING_DOMAIN))
  out[SIGNING_DOMAIN.length] = 0
  out.set(body, SIGNING_DOMAIN.length + 1)
  return out
}

/**
 * Signs an unsigned operation with `signer` (which sets `key`), validates the result, and returns
 * its canonical bytes, CID and DID.
 * @throws {InvalidOperationError} when the operation breaks a format rule or size limit.
 * @see ../../spec/did-grid.md#operations
 */
export async function signOperation<T extends Operation>(
  unsigned: Omit<T, 'key' | 'sig'>,
  signer: OperationSigner,
): Promise<EncodedOperation<T>> {
  if (!signer || typeof signer.sign !== 'function' || typeof signer.publicKeyMultibase !== 'string') {
    throw new TypeError('signer must be an OperationSigner ({ publicKeyMultibase, sign })')
  }
  const withKey = { ...unsigned, key: signer.publicKeyMultibase } as unknown as T
  const domainError = canonicalDomainError(withKey)
  if (domainError) throw new InvalidOperationError('malformed', `operation: ${domainError}`)
  const signature = await signer.sign(signingInput(withKey))
  const signed = { ...withKey, sig: toBase64url(signature) } as T
  return decodeOperation(utf8Encode(canonicalize(signed as unknown as JsonValue))) as EncodedOperation<T>
}

/**
 * Stand-alone checks of one operation's bytes: size, UTF-8, canonical JSON, format, and that `sig`
 * is a valid Ed25519 signature by `key` (a create must be signed by its own update key). Whether
 * `key` is *authorised* depends on the DID's state and is decided by {@link foldOperations}.
 *
 * @throws {InvalidOperationError} whose `reason` names the broken rule.
 * @example
 * ```ts
 * const { operation, cid, did } = decodeOperation(bytesFromLedger)
 * ```
 * @see ../../spec/did-grid.md#operations
 */
export function decodeOperation(bytes: Uint8Array): EncodedOperation {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('operation bytes must be a Uint8Array')
  if (bytes.length > LIMITS.resourceBytes) {
    fail('oversized', `an operation may be at most ${LIMITS.resourceBytes} bytes, got ${bytes.length}`)
  }
  let text: string
  let value: unknown
  try {
    // ignoreBOM keeps a byte-order mark in the text, so BOM + canonical bytes fail the canonical check.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
    value = JSON.parse(text)
  } catch {
    fail('malformed', 'operation bytes are not UTF-8 JSON')
  }
  const domainError = canonicalDomainError(value)
  if (domainError) fail('malformed', `operation: ${domainError}`)
  if (canonicalize(value as JsonValue) !== text) fail('non-canonical', 'operation bytes are not in canonical (JCS) form')
  // Frozen: states and documents share these values, so no caller can alter what a cache serves.
  const operation = deepFreeze(checkShape(value))
  if (operation.type !== 'resource' && bytes.length > LIMITS.operationBytes) {
    fail('oversized', `${operation.type} operations may be at most ${LIMITS.operationBytes} bytes, got ${bytes.length}`)
  }
  const signature = fromBase64urlStrict(operation.sig, 64, 'sig')
  const key = keyBytes(operation.key, 'key')
  if (!ed25519Verify(signature, signingInput(operation), key)) fail('bad-signature', 'the signature does not verify with key')
  const digest = sha256(bytes)
  const cid = CID.createV1(JSON_CODEC, Digest.create(SHA2_256, digest)).toString()
  let did: string
  let suffix: string
  if (operation.type === 'create') {
    if (operation.key !== operation.updateKey) fail('unauthorized', 'a create operation must be signed by its update key')
    suffix = base32.baseEncode(digest)
    did = formatDid(operation.network, suffix)
  } else if (operation.type === 'resource') {
    did = operation.did
    suffix = resourceSuffix(did, operation.resourceId)
  } else {
    did = operation.did
    suffix = parseDid(did).suffix
  }
  return { operation, bytes, digest, cid, did, suffix }
}

/**
 * Why decoding failed, as a skip/rejection reason. Any error, not only {@link InvalidOperationError},
 * makes the operation `malformed`: whatever the bytes are, they are refused or skipped, never fatal.
 * @internal shared by ledger admission and the fold.
 */
export function operationFault(err: unknown): { reason: OperationFaultReason; message: string } {
  if (err instanceof InvalidOperationError) return { reason: err.reason, message: err.message }
  return { reason: 'malformed', message: `operation could not be decoded: ${messageOf(err)}` }
}

/** Domain-separation tag of a resource's index key. */
const RESOURCE_KEY_DOMAIN = 'did:grid:resource:v1'

/**
 * The ledger index key of a DID-linked resource: base32 SHA-256 of
 * `"did:grid:resource:v1" || 0x00 || did || "/resources/" || resourceId` — the same 52-character form
 * as a DID suffix, so every ledger adapter stores and reads resources like any other log.
 * @see ../../spec/did-grid.md#did-linked-resources
 */
export function resourceSuffix(did: string, resourceId: string): string {
  return base32.baseEncode(sha256(utf8Encode(`${RESOURCE_KEY_DOMAIN}\u0000${did}/resources/${resourceId}`)))
}

/** Computes the CID string of operation bytes (no other checks). */
export function operationCid(bytes: Uint8Array): string {
  return CID.createV1(JSON_CODEC, Digest.create(SHA2_256, sha256(bytes))).toString()
}

// ---------------------------------------------------------------------------------------------
// Shape checks. Every object has an exact key set: unknown fields are malformed, so nobody but the
// signer can make a second valid encoding of an operation.

function fail(reason: OperationFaultReason, message: string): never {
  throw new InvalidOperationError(reason, message)
}

type Obj = Record<string, unknown>

function object(value: unknown, where: string, required: readonly string[], optional: readonly string[] = []): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('malformed', `${where} must be an object`)
  const obj = value as Obj
  for (const k of required) if (!(k in obj)) fail('malformed', `${where}.${k} is missing`)
  for (const k of Object.keys(obj)) {
    if (!required.includes(k) && !optional.includes(k)) fail('malformed', `${where} has an unknown field "${k.slice(0, 40)}"`)
  }
  return obj
}

function string(value: unknown, where: string, max: number = LIMITS.uriLength): string {
  if (typeof value !== 'string') fail('malformed', `${where} must be a string`)
  if (value.length === 0 || value.length > max) fail('malformed', `${where} must be 1-${max} characters`)
  return value
}

function array(value: unknown, where: string, max: number): unknown[] {
  if (!Array.isArray(value)) fail('malformed', `${where} must be an array`)
  if (value.length > max) fail('malformed', `${where} may have at most ${max} entries`)
  return value
}

function keyBytes(value: unknown, where: string): Uint8Array {
  try {
    return decodeMultikey(string(value, where), 'Ed25519').publicKey
  } catch (err) {
    if (err instanceof InvalidKeyError) fail('malformed', `${where}: ${err.message}`)
    throw err
  }
}

function fromBase64urlStrict(value: unknown, length: number, where: string): Uint8Array {
  const text = string(value, where)
  if (!/^[A-Za-z0-9_-]+$/.test(text)) fail('malformed', `${where} must be unpadded base64url`)
  let bytes: Uint8Array
  try {
    bytes = fromBase64url(text)
  } catch {
    fail('malformed', `${where} is not valid base64url`)
  }
  if (bytes.length !== length || toBase64url(bytes) !== text) fail('malformed', `${where} must encode exactly ${length} bytes`)
  return bytes
}

function did(value: unknown, where: string): string {
  const text = string(value, where)
  try {
    return parseDid(text).did
  } catch {
    fail('malformed', `${where} must be a did:grid DID`)
  }
}

function cid(value: unknown, where: string): string {
  const text = string(value, where, 100)
  let parsed: CID
  try {
    parsed = CID.parse(text)
  } catch {
    fail('malformed', `${where} must be a CID`)
  }
  if (
    parsed.version !== 1 ||
    parsed.code !== JSON_CODEC ||
    parsed.multihash.code !== SHA2_256 ||
    parsed.multihash.size !== 32 ||
    parsed.toString() !== text
  ) {
    fail('malformed', `${where} must be a base32 CIDv1 with the json codec and sha2-256`)
  }
  return text
}

const URI = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s\x00-\x1f\x7f]*$/

function uri(value: unknown, where: string): string {
  const text = string(value, where)
  if (!URI.test(text)) fail('malformed', `${where} must be an absolute URI`)
  return text
}

function fragmentId(value: unknown, where: string): string {
  const text = string(value, where, LIMITS.idLength)
  if (!isFragmentId(text)) fail('malformed', `${where} must be 1-${LIMITS.idLength} characters A-Z a-z 0-9 _ -`)
  return text
}

function purposes(value: unknown, where: string, keyType: 'Ed25519' | 'X25519'): VerificationRelationship[] {
  const list = array(value, where, VERIFICATION_RELATIONSHIPS.length)
  const seen = new Set<string>()
  for (const p of list) {
    if (typeof p !== 'string' || !VERIFICATION_RELATIONSHIPS.includes(p as VerificationRelationship)) {
      fail('malformed', `${where} has an unknown relationship`)
    }
    if (seen.has(p)) fail('malformed', `${where} lists ${p} twice`)
    seen.add(p)
    // X25519 keys agree keys and do nothing else; Ed25519 keys sign and never agree keys.
    if ((p === 'keyAgreement') !== (keyType === 'X25519')) {
      fail('malformed', `${where}: ${keyType} keys cannot be used for ${p}`)
    }
  }
  return list as VerificationRelationship[]
}

function verificationMethod(value: unknown, where: string): VerificationMethodEntry {
  const vm = object(value, where, ['id', 'type', 'publicKeyMultibase', 'purposes'])
  fragmentId(vm.id, `${where}.id`)
  if (vm.type !== 'Multikey') fail('malformed', `${where}.type must be "Multikey"`)
  let keyType: 'Ed25519' | 'X25519'
  try {
    keyType = decodeMultikey(string(vm.publicKeyMultibase, `${where}.publicKeyMultibase`)).type
  } catch (err) {
    if (err instanceof InvalidKeyError) fail('malformed', `${where}.publicKeyMultibase: ${err.message}`)
    throw err
  }
  purposes(vm.purposes, `${where}.purposes`, keyType)
  return vm as unknown as VerificationMethodEntry
}

function service(value: unknown, where: string): ServiceEntry {
  const svc = object(value, where, ['id', 'type', 'serviceEndpoint'])
  fragmentId(svc.id, `${where}.id`)
  if (Array.isArray(svc.type)) {
    const types = array(svc.type, `${where}.type`, 8)
    if (types.length === 0) fail('malformed', `${where}.type must not be empty`)
    types.forEach((t, i) => typeString(t, `${where}.type[${i}]`))
  } else typeString(svc.type, `${where}.type`)
  const ep = svc.serviceEndpoint
  if (typeof ep === 'string') uri(ep, `${where}.serviceEndpoint`)
  else if (Array.isArray(ep)) {
    const list = array(ep, `${where}.serviceEndpoint`, 16)
    if (list.length === 0) fail('malformed', `${where}.serviceEndpoint must not be empty`)
    list.forEach((u, i) => uri(u, `${where}.serviceEndpoint[${i}]`))
  } else if (typeof ep !== 'object' || ep === null) fail('malformed', `${where}.serviceEndpoint must be a URI, a list of URIs or a map`)
  return svc as unknown as ServiceEntry
}

function typeString(value: unknown, where: string): void {
  if (typeof value !== 'string' || !TYPE_STRING.test(value)) fail('malformed', `${where} must be 1-${LIMITS.typeLength} printable ASCII characters`)
}

function uniqueIds(ids: string[], where: string): void {
  const seen = new Set<string>()
  for (const id of ids) {
    if (seen.has(id)) fail('malformed', `${where}: id "${id}" is used twice (method and service ids share one namespace)`)
    seen.add(id)
  }
}

function controllerList(value: unknown, where: string): string[] {
  const list = array(value, where, LIMITS.controllers)
  list.forEach((c, i) => did(c, `${where}[${i}]`))
  if (new Set(list).size !== list.length) fail('malformed', `${where} lists a DID twice`)
  return list as string[]
}

function alsoKnownAsList(value: unknown, where: string): string[] {
  const list = array(value, where, LIMITS.alsoKnownAs)
  list.forEach((u, i) => uri(u, `${where}[${i}]`))
  if (new Set(list).size !== list.length) fail('malformed', `${where} lists a URI twice`)
  return list as string[]
}

function documentContent(value: unknown, where: string): DocumentContent {
  const doc = object(value, where, [], ['verificationMethods', 'services', 'controller', 'alsoKnownAs'])
  const ids: string[] = []
  if (doc.verificationMethods !== undefined) {
    array(doc.verificationMethods, `${where}.verificationMethods`, LIMITS.verificationMethods).forEach((vm, i) =>
      ids.push(verificationMethod(vm, `${where}.verificationMethods[${i}]`).id),
    )
  }
  if (doc.services !== undefined) {
    array(doc.services, `${where}.services`, LIMITS.services).forEach((s, i) => ids.push(service(s, `${where}.services[${i}]`).id))
  }
  uniqueIds(ids, where)
  if (doc.controller !== undefined) controllerList(doc.controller, `${where}.controller`)
  if (doc.alsoKnownAs !== undefined) alsoKnownAsList(doc.alsoKnownAs, `${where}.alsoKnownAs`)
  return doc as DocumentContent
}

function patch(value: unknown, where: string): Patch {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('malformed', `${where} must be an object`)
  const action = (value as Obj).action
  switch (action) {
    case 'add-verification-method':
      verificationMethod(object(value, where, ['action', 'method']).method, `${where}.method`)
      break
    case 'remove-verification-method':
    case 'remove-service':
      fragmentId(object(value, where, ['action', 'id']).id, `${where}.id`)
      break
    case 'set-relationships': {
      const p = object(value, where, ['action', 'id', 'purposes'])
      fragmentId(p.id, `${where}.id`)
      // The key type is known only against the state; the fold re-checks keyAgreement there.
      const list = array(p.purposes, `${where}.purposes`, VERIFICATION_RELATIONSHIPS.length)
      if (list.some((x) => !VERIFICATION_RELATIONSHIPS.includes(x as VerificationRelationship)) || new Set(list).size !== list.length) {
        fail('malformed', `${where}.purposes must be distinct verification relationships`)
      }
      break
    }
    case 'add-service':
      service(object(value, where, ['action', 'service']).service, `${where}.service`)
      break
    case 'set-controller':
      controllerList(object(value, where, ['action', 'controller']).controller, `${where}.controller`)
      break
    case 'set-also-known-as':
      alsoKnownAsList(object(value, where, ['action', 'alsoKnownAs']).alsoKnownAs, `${where}.alsoKnownAs`)
      break
    default:
      fail('malformed', `${where}.action is not a known patch action`)
  }
  return value as Patch
}

function checkShape(value: unknown): Operation {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('malformed', 'an operation must be a JSON object')
  const type = (value as Obj).type
  switch (type) {
    case 'create': {
      const op = object(value, 'create', ['type', 'network', 'updateKey', 'recoveryKey', 'document', 'nonce', 'key', 'sig'])
      const network = string(op.network, 'create.network', 16)
      if (!isNetworkName(network)) fail('malformed', 'create.network must be 1-16 characters a-z0-9 starting with a letter')
      keyBytes(op.updateKey, 'create.updateKey')
      keyBytes(op.recoveryKey, 'create.recoveryKey')
      if (typeof op.nonce !== 'string' || !NONCE.test(op.nonce)) fail('malformed', 'create.nonce must be 16-64 base64url characters')
      documentContent(op.document, 'create.document')
      break
    }
    case 'update': {
      const op = object(value, 'update', ['type', 'did', 'prev', 'patches', 'key', 'sig'], ['updateKey'])
      did(op.did, 'update.did')
      cid(op.prev, 'update.prev')
      const patches = array(op.patches, 'update.patches', LIMITS.patches)
      if (patches.length === 0 && op.updateKey === undefined) fail('malformed', 'an update must change something')
      patches.forEach((p, i) => patch(p, `update.patches[${i}]`))
      if (op.updateKey !== undefined) keyBytes(op.updateKey, 'update.updateKey')
      break
    }
    case 'recover': {
      const op = object(value, 'recover', ['type', 'did', 'prev', 'updateKey', 'recoveryKey', 'document', 'key', 'sig'])
      did(op.did, 'recover.did')
      cid(op.prev, 'recover.prev')
      keyBytes(op.updateKey, 'recover.updateKey')
      keyBytes(op.recoveryKey, 'recover.recoveryKey')
      documentContent(op.document, 'recover.document')
      break
    }
    case 'deactivate': {
      const op = object(value, 'deactivate', ['type', 'did', 'prev', 'key', 'sig'])
      did(op.did, 'deactivate.did')
      cid(op.prev, 'deactivate.prev')
      break
    }
    case 'resource': {
      const op = object(value, 'resource', ['type', 'did', 'resourceId', 'resourceType', 'content', 'key', 'sig'], ['prev'])
      did(op.did, 'resource.did')
      fragmentId(op.resourceId, 'resource.resourceId')
      if (op.prev !== undefined) cid(op.prev, 'resource.prev')
      typeString(op.resourceType, 'resource.resourceType')
      if (typeof op.content !== 'object' || op.content === null || Array.isArray(op.content)) {
        fail('malformed', 'resource.content must be a JSON object')
      }
      break
    }
    default:
      fail('malformed', 'operation.type must be create, update, recover, deactivate or resource')
  }
  return value as Operation
}
