import { checkSchema } from './check-schema.js'
import { checkSignature } from './check-signature.js'
import { checkStatus } from './check-status.js'
import { checkTimes } from './check-times.js'
import { checkTrust } from './check-trust.js'
import { LedgerView } from './ledger-view.js'
import { collect, type Fail, type Reason } from './reasons.js'
import { CREDENTIAL_TYPES, type CredentialKind } from './roles.js'
import { decodeCredentialJws } from './resolver-memo.js'
import type { VerificationContext } from './verification-context.js'

/** A credential after verification. Fields are present as far as the JWT could be read. */
export interface CredentialVerification {
  verified: boolean
  kind?: CredentialKind
  /** `jti`. */
  id?: string
  issuer?: string
  subject?: string
  claims?: Record<string, unknown>
  validFrom?: number
  validUntil?: number
  reasons: Reason[]
}

/** The most characters of a credential JWT the verifier reads. @internal */
export const MAX_VC = 16_384

/**
 * Verifies one credential JWT completely — everything `did-jwt-vc` leaves out: strict JWS parsing
 * (`EdDSA` only), the did:grid Ed25519 rule set, `kid` in the issuer's `assertionMethod` (as of
 * `iat` if since rotated, unless dropped by a recovery), issuer not deactivated, zero clock skew
 * unless asked, trusted issuer for the role, schema-valid claims, and revocation and suspension.
 *
 * @throws {HeightNotReachedError} when `context.height` is above the finalized head, and ledger
 *   errors: an outage is never a verdict.
 * @example
 * ```ts
 * const result = await verifyCredential(jwt, { resolver, trustRegistry, time: tx.time, height: tx.height })
 * if (!result.verified) console.log(result.reasons) // [{ code: 'status-revoked', message: '…' }]
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#verification
 */
export async function verifyCredential(jwt: string, context: VerificationContext): Promise<CredentialVerification> {
  return verifyCredentialIn(new LedgerView(context), jwt, 'credential')
}

const KINDS = Object.entries(CREDENTIAL_TYPES) as [CredentialKind, string][]

/**
 * Verifies one credential JWT against a view of the ledger (shared by the credentials of one
 * presentation); every reason's message starts with `label`.
 * @internal
 */
export async function verifyCredentialIn(view: LedgerView, jwt: string, label: string): Promise<CredentialVerification> {
  const out: CredentialVerification = { verified: false, reasons: [] }
  const fail: Fail = (code, message) => out.reasons.push({ code, message: `${label}: ${message}` })
  const jws = decodeCredentialJws(view.context.resolver, jwt, MAX_VC)
  if (typeof jws === 'string') {
    fail('credential-malformed', jws)
    return out
  }
  const p = jws.payload
  const vc = p.vc as Record<string, unknown> | undefined
  const types = vc?.type
  const kinds = Array.isArray(types) ? KINDS.filter(([, t]) => types.includes(t)) : []
  const subject = vc?.credentialSubject as Record<string, unknown> | undefined
  if (
    typeof p.iss !== 'string' ||
    typeof p.sub !== 'string' ||
    typeof p.jti !== 'string' ||
    typeof vc !== 'object' ||
    vc === null ||
    !Array.isArray(types) ||
    !types.includes('VerifiableCredential') ||
    kinds.length !== 1 ||
    typeof subject !== 'object' ||
    subject === null ||
    Array.isArray(subject) ||
    (subject.id !== undefined && subject.id !== p.sub)
  ) {
    fail('credential-malformed', 'needs iss, sub, jti and a vc with exactly one did:grid credential type and a credentialSubject')
    return out
  }
  const kind = kinds[0]![0]
  Object.assign(out, { kind, id: p.jti, issuer: p.iss, subject: p.sub, claims: subject })
  if (!checkTimes(view, p, 'credential', fail)) return out
  out.validFrom = (p.nbf ?? p.iat) as number
  out.validUntil = p.exp as number
  const iat = p.iat as number
  const issuer = p.iss
  // Nothing an unauthenticated token names is read before its signature and issuer check out: no
  // attacker-chosen status list is decompressed and no claim meets a schema pattern unless a
  // trusted issuer signed it.
  const signed = await collect((f) => checkSignature(view, jws, issuer, 'assertionMethod', iat, 'credential', f))
  const trusted = signed.length > 0 ? [] : await collect((f) => checkTrust(view, kind, issuer, f))
  // Schema and status are independent: run them together, report in a fixed order, so every node
  // lists the same reasons whatever finished first.
  const parts =
    signed.length > 0 || trusted.length > 0
      ? []
      : await Promise.all([
          collect((f) => checkSchema(view, kind, vc, subject, f)),
          collect((f) => checkStatus(view, kind, issuer, vc.credentialStatus, f)),
        ])
  for (const part of [signed, trusted, ...parts]) for (const r of part) fail(r.code, r.message)
  out.verified = out.reasons.length === 0
  return out
}
