/**
 * The verifier's public surface, one concept per file: {@link verifyCredential}
 * (`verify-credential.ts`), {@link checkRole} (`check-role.ts`), the presentation it reads
 * (`verify-presentation.ts`), the checks both run (`check-*.ts`, `historical-keys.ts`), the ledger as
 * one verification sees it (`ledger-view.ts`) and the reason codes (`reasons.ts`).
 */
export { checkRole, type RoleCheckContext, type RoleDecision, type RoleRequirement } from './check-role.js'
export type { Reason, ReasonCode } from './reasons.js'
export type { VerificationContext } from './verification-context.js'
export { verifyCredential, type CredentialVerification } from './verify-credential.js'
