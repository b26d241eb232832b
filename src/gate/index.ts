/**
 * `grid-did/gate`: role decisions attested for an on-chain `GridRoleGate` (EIP-712, signed by
 * consortium attestors' EVM accounts). A subpath so that viem stays out of the core import graph.
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-checks-on-chain--attestations
 */
export {
  ROLE_ATTESTATION_TYPE,
  ROLE_ATTESTATION_TYPES,
  attestRole,
  capacityWatts,
  hashString,
  recoverAttestors,
  roleAttestationDigest,
  roleAttestationTypedData,
} from './attestation.js'
export type { AttestRoleOptions, GateDomain, RoleAttestation, SignedAttestation } from './attestation.js'
export { AttestationRefusedError } from '../errors.js'
export { GATE_ARTIFACT } from './gate-artifact.js'
export { deployGate } from './deploy.js'
export type { DeployGateOptions } from './deploy.js'
export { MAX_CHAIN_CAPACITY_KW, chainBidTerms, chainClaimTerms, consumerAudience } from './terms.js'
export type { ChainBidTerms, ChainClaimTerms } from './terms.js'
export { DEMAND_RESPONSE_ARTIFACT, SETTLEMENT_ARTIFACT, deployDemandResponse, deploySettlement } from './contracts.js'
export type { DeployDemandResponseOptions, DeploySettlementOptions } from './contracts.js'
export { chainSettlementLeaf, chainSettlementRoot } from './settlement.js'
export type { ChainSettlementRecord } from './settlement.js'
// Attestor service (helper "attestor").
export { createAttestor } from './attestor.js'
export type { AttestationRequest, Attestor, AttestorIndex, AttestorOptions } from './attestor.js'
export { addAttestor, readGate, removeAttestor, setMaxAge, setThreshold, verifyAttestation } from './admin.js'
export type { AttestationVerification, GateAdminTarget, GateState, GateTarget, GateTransaction, VerifyAttestationOptions } from './admin.js'
