/**
 * Every reason code a credential or presentation check can report, as literals: a search for a
 * code finds it here and where it is raised, and a typo does not compile. The spec's table lists
 * exactly these (test/spec-codes.test.ts).
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#reason-codes
 * @internal
 */
export const REASON_CODES = [
  'presentation-malformed',
  'presentation-signature',
  'presentation-expired',
  'presentation-not-yet-valid',
  'audience-mismatch',
  'challenge-mismatch',
  'binding-missing',
  'binding-mismatch',
  'binding-unchecked',
  'holder-not-found',
  'holder-deactivated',
  'holder-not-subject',
  'credential-malformed',
  'credential-signature',
  'credential-expired',
  'credential-not-yet-valid',
  'issuer-not-found',
  'issuer-deactivated',
  'issuer-untrusted',
  'kid-not-found',
  'kid-wrong-relationship',
  'key-compromised',
  'schema-invalid',
  'schema-unavailable',
  'trust-registry-unavailable',
  'status-missing',
  'status-invalid',
  'status-unavailable',
  'status-revoked',
  'status-suspended',
  'role-missing',
  'capacity-exceeded',
  'acting-for-not-allowed',
  'mandate-missing',
  'mandate-action',
  'mandate-capacity',
  'acted-for-not-user',
  'region-not-licensed',
] as const

/** Stable codes of the checks a credential or presentation can fail. A closed union: see `REASON_CODES`. */
export type ReasonCode = (typeof REASON_CODES)[number]

/** One failed check. */
export interface Reason {
  code: ReasonCode
  message: string
}

/** The two signed tokens a check reads: a credential (signed by its issuer) and a presentation (by its holder). */
export type Token = 'credential' | 'presentation'

/**
 * The codes of the checks both tokens undergo, per token, spelled out (never built from a template).
 * @internal
 */
export const TOKEN_REASONS = {
  credential: {
    malformed: 'credential-malformed',
    signature: 'credential-signature',
    expired: 'credential-expired',
    notYetValid: 'credential-not-yet-valid',
    signerNotFound: 'issuer-not-found',
    signerDeactivated: 'issuer-deactivated',
  },
  presentation: {
    malformed: 'presentation-malformed',
    signature: 'presentation-signature',
    expired: 'presentation-expired',
    notYetValid: 'presentation-not-yet-valid',
    signerNotFound: 'holder-not-found',
    signerDeactivated: 'holder-deactivated',
  },
} as const satisfies Record<Token, Record<string, ReasonCode>>

/** Reports one failed check. @internal */
export type Fail = (code: ReasonCode, message: string) => void

/** Runs a check with its own reason list (for checks that run concurrently). @internal */
export async function collect(run: (fail: Fail) => Promise<void>): Promise<Reason[]> {
  const reasons: Reason[] = []
  await run((code, message) => reasons.push({ code, message }))
  return reasons
}

/** An attacker-supplied value for a message: JSON, truncated, never `String()` of an object. @internal */
export function quote(value: unknown): string {
  return (JSON.stringify(value) ?? typeof value).slice(0, 60)
}
