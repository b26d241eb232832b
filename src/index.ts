export * from './errors.js'
export { METHOD, SUFFIX_LENGTH, formatDid, isNetworkName, parseDid, parseDidUrl, parseVersionId, parseVersionTime } from './method/did.js'
export type { GridDid, GridDidUrl } from './method/did.js'
export { LIMITS } from './method/limits.js'
export { Ed25519KeyPair, decodeMultikey, encodeMultikey } from './method/keys.js'
export type { MultikeyType, OperationSigner } from './method/keys.js'
export { SIGNING_DOMAIN, VERIFICATION_RELATIONSHIPS, decodeOperation, operationCid, signOperation, signingInput } from './method/operation.js'
export type {
  CreateOperation,
  DeactivateOperation,
  DocumentContent,
  EncodedOperation,
  Operation,
  OperationType,
  Patch,
  RecoverOperation,
  ServiceEndpointValue,
  ServiceEntry,
  UpdateOperation,
  VerificationMethodEntry,
  VerificationRelationship,
} from './method/operation.js'
export { createDid } from './method/create.js'
export type { CreateDidOptions } from './method/create.js'
export { rotateUpdateKey, updateDid } from './method/update.js'
export type { UpdateDidChanges } from './method/update.js'
export { recoverDid } from './method/recover.js'
export type { RecoverDidOptions } from './method/recover.js'
export { deactivateDid } from './method/deactivate.js'
export { checkOperation, foldOperations } from './method/state.js'
export type { AnchoredOperation, AppliedVersion, CheckedOperation, DidHistory, DidState, SkippedOperation } from './method/state.js'
export { DID_CONTEXTS, toDidDocument } from './method/document.js'
export { verifyEd25519 } from './method/verify-signature.js'
export { merkleRoot } from './ledger/merkle.js'
export { MemoryLedger } from './ledger/memory.js'
export type { MemoryLedgerOptions } from './ledger/memory.js'
export type { BatchInfo, Ledger, LedgerHead, ReadOptions, Receipt, Submittable } from './ledger/types.js'
export { GridResolver, SUPPORTED_CONTENT_TYPES } from './resolver/resolver.js'
export type {
  DIDDereferencingResult,
  GridMethodMetadata,
  GridResolutionOptions,
  GridResolverConfig,
  HistoryEntry,
} from './resolver/resolver.js'
export { getResolver } from './resolver/get-resolver.js'
