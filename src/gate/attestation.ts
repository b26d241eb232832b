/**
 * Role attestations (spec §Role checks on chain — attestations): the EIP-712 type and its typed data
 * (`role-attestation.ts`), the attestor's decision and signature (`attest-role.ts`), and recovering
 * the signers off chain (`recover-attestors.ts`).
 */
export * from './role-attestation.js'
export * from './attest-role.js'
export * from './recover-attestors.js'
