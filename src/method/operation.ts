// did:grid operations: one concept per file, re-exported here for the modules that import them
// from one place.
export { cidOfDigest, operationCid } from './cid.js'
export { decodeOperation, operationFault } from './decode-operation.js'
export {
  VERIFICATION_RELATIONSHIPS,
  type CreateOperation,
  type DeactivateOperation,
  type DocumentContent,
  type EncodedOperation,
  type Operation,
  type OperationType,
  type Patch,
  type RecoverOperation,
  type ResourceOperation,
  type ServiceEndpointValue,
  type ServiceEntry,
  type UpdateOperation,
  type VerificationMethodEntry,
  type VerificationRelationship,
} from './operation-types.js'
export { resourceSuffix } from './resource-suffix.js'
export { signOperation } from './sign-operation.js'
export { SIGNING_DOMAIN, signingInput } from './signing-input.js'
