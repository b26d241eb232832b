export * from './errors.js'
export { METHOD, SUFFIX_LENGTH, formatDid, isNetworkName, parseDid, parseDidUrl, parseVersionId, parseVersionTime } from './method/did.js'
export type { GridDid, GridDidUrl } from './method/did.js'
export { LIMITS } from './method/limits.js'
export { Ed25519KeyPair, decodeMultikey, encodeMultikey } from './method/keys.js'
export type { MultikeyType, OperationSigner } from './method/keys.js'
export {
  SIGNING_DOMAIN,
  VERIFICATION_RELATIONSHIPS,
  decodeOperation,
  operationCid,
  resourceSuffix,
  signOperation,
  signingInput,
} from './method/operation.js'
export type {
  CreateOperation,
  DeactivateOperation,
  DocumentContent,
  EncodedOperation,
  Operation,
  OperationType,
  Patch,
  RecoverOperation,
  ResourceOperation,
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
export { assertResourceApplies, publishResource } from './method/resource.js'
export type { PublishResourceOptions, ResourceVersion } from './method/resource.js'
export { assertApplies, checkOperation, faultOnState, foldOperations } from './method/state.js'
export type { AnchoredOperation, AppliedVersion, CheckedOperation, DidHistory, DidState, SkippedOperation } from './method/state.js'
export { DID_CONTEXTS, toDidDocument } from './method/document.js'
export { verifyEd25519 } from './method/verify-signature.js'
export { merkleRoot } from './ledger/merkle.js'
export { MemoryLedger } from './ledger/memory.js'
export type { MemoryLedgerOptions } from './ledger/memory.js'
export type { BatchInfo, Checkpoint, Ledger, LedgerHead, LogPosition, ReadOptions, Receipt, Submittable } from './ledger/types.js'
export { READ_PAGE_SIZE, readPages } from './ledger/pages.js'
export { MAX_LOG_PAGE, RemoteLedger } from './ledger/remote.js'
export type { LoggedOperation, OperationLogPage, RemoteLedgerOptions } from './ledger/remote.js'
export { GridResolver, SUPPORTED_CONTENT_TYPES } from './resolver/resolver.js'
export type {
  DIDDereferencingResult,
  DIDResolutionRepresentationResult,
  GridMethodMetadata,
  GridResolutionOptions,
  GridResolverConfig,
  DidTimeline,
  HistoryEntry,
  ResolvedResource,
  ResourceSelection,
} from './resolver/resolver.js'
export { getResolver } from './resolver/get-resolver.js'
export { ACTIONS, CLAIM_SCHEMAS, CREDENTIAL_TYPES, RESOURCE_IDS, ROLES, VOLTAGE_LEVELS } from './vc/roles.js'
export type {
  AggregatorClaims,
  ClaimsOf,
  CredentialKind,
  JsonSchema,
  MandateClaims,
  ProductionBaseClaims,
  RoleName,
  UserClaims,
} from './vc/roles.js'
export { isUnifiedSocialCreditCode, usccCheckCharacter } from './vc/uscc.js'
export {
  TRUST_REGISTRY_TYPE,
  anchorResource,
  publishRoleSchemas,
  publishTrustRegistry,
  schemaUrl,
  trustRegistryUrl,
} from './vc/resources.js'
export type { AnchorTarget, ResourceAuthor, TrustRegistry } from './vc/resources.js'
export {
  Bitstring,
  STATUS_LIST_MAX_BYTES,
  STATUS_LIST_MIN_LENGTH,
  STATUS_LIST_RESOURCE_TYPE,
  statusListResourceId,
} from './vc/status-list.js'
export type { StatusListEntry, StatusPurpose } from './vc/status-list.js'
export { MemoryStatusIndexStore, StatusRegistry } from './vc/status-registry.js'
export type { StatusChange, StatusIndexStore, StatusRegistryOptions } from './vc/status-registry.js'
export { MAX_CREDENTIALS, createPresentation, issueMandate, issueRoleCredential } from './vc/issue.js'
export type {
  CreatePresentationOptions,
  CredentialTimes,
  IssueMandateOptions,
  IssueRoleCredentialOptions,
  JwtSigner,
  TimeInput,
} from './vc/issue.js'
export { issueCredentialBatch, parseCredentialCsv } from './vc/csv.js'
export type {
  CredentialBatchResult,
  CredentialCsvError,
  CredentialCsvRow,
  IssueCredentialBatchOptions,
  IssuedCsvCredential,
  ParsedCredentialCsv,
} from './vc/csv.js'
export { termsDigest } from './vc/binding.js'
export { checkRole, verifyCredential } from './vc/verify.js'
export type {
  CredentialVerification,
  Reason,
  ReasonCode,
  RoleCheckContext,
  RoleDecision,
  RoleRequirement,
  VerificationContext,
} from './vc/verify.js'
