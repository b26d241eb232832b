// The shape validator of operations: which fields each operation type, document and patch has, and
// what each may hold. Every object has an exact key set (see ./operation-fields.ts).
import { InvalidKeyError } from '../errors.js'
import { isNetworkName } from './did.js'
import { decodeMultikey } from './keys.js'
import { LIMITS } from './limits.js'
import {
  VERIFICATION_RELATIONSHIPS,
  type DocumentContent,
  type Operation,
  type Patch,
  type ServiceEntry,
  type VerificationMethodEntry,
  type VerificationRelationship,
} from './operation-types.js'
import { array, cid, did, fail, fragmentId, keyBytes, object, string, typeString, uri, type Obj } from './operation-fields.js'

const NONCE = /^[A-Za-z0-9_-]{16,64}$/

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

/**
 * Checks that a parsed JSON value has the exact shape of an operation (format rules and size limits
 * of every field); signatures and authority are checked elsewhere.
 * @throws {InvalidOperationError} `malformed`, naming the broken field.
 * @internal used by {@link decodeOperation}.
 */
export function checkShape(value: unknown): Operation {
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
