import { isBinding } from './binding.js'
import { checkSignature } from './check-signature.js'
import { checkTimes } from './check-times.js'
import { MAX_CREDENTIALS } from './issue.js'
import { decodeJws } from './jwt.js'
import type { LedgerView } from './ledger-view.js'
import { quote, type Fail } from './reasons.js'
import { MAX_VC, verifyCredentialIn, type CredentialVerification } from './verify-credential.js'

/** The most characters of a presentation JWT the verifier reads: its credentials and a little more. */
const MAX_VP = 8 * MAX_VC + 4_096

/** What a presentation must be addressed to and bound by (validated by the caller). @internal */
export interface PresentationBinding {
  /** Who the presentation must be addressed to (its `aud`). */
  audience: string
  /** The nonce the verifier issued (the presentation's `nonce`). */
  challenge: string
  /** The digest of the terms about to be acted on, when the check has terms. */
  binding?: string
}

/** A presentation that could be read: its holder and each credential's verification, in order. @internal */
export interface VerifiedPresentation {
  holder: string
  credentials: CredentialVerification[]
}

/**
 * Verifies a presentation JWT: strict JWS, signed by an `authentication` key of its holder (`iss`),
 * addressed to `expected.audience` with `nonce === expected.challenge`, bound to the same terms as
 * `expected.binding` when either names a binding, within its time claims; and every credential in it
 * verified on its own. Reports every failure through `fail` (a credential's reasons are in its
 * {@link CredentialVerification}); undefined when the presentation cannot be read at all.
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#presentations
 * @internal
 */
export async function verifyPresentation(
  view: LedgerView,
  presentation: string,
  expected: PresentationBinding,
  fail: Fail,
): Promise<VerifiedPresentation | undefined> {
  const jws = decodeJws(presentation, MAX_VP)
  if (typeof jws === 'string') {
    fail('presentation-malformed', `presentation: ${jws}`)
    return undefined
  }
  const p = jws.payload
  const vp = p.vp as Record<string, unknown> | undefined
  const list = vp?.verifiableCredential
  if (
    typeof p.iss !== 'string' ||
    typeof vp !== 'object' ||
    vp === null ||
    !Array.isArray(vp.type) ||
    !vp.type.includes('VerifiablePresentation') ||
    !Array.isArray(list) ||
    list.length === 0 ||
    list.length > MAX_CREDENTIALS ||
    list.some((c) => typeof c !== 'string')
  ) {
    fail('presentation-malformed', `presentation: needs iss and vp.verifiableCredential with 1-${MAX_CREDENTIALS} JWTs`)
    return undefined
  }
  const holder = p.iss
  const audiences = Array.isArray(p.aud) ? p.aud : [p.aud]
  if (!audiences.includes(expected.audience)) fail('audience-mismatch', `presentation is not addressed to ${expected.audience}`)
  if (p.nonce !== expected.challenge) fail('challenge-mismatch', 'presentation nonce does not match the challenge')
  // The terms: whoever sees a pending presentation must not be able to submit it with other ones.
  if (expected.binding !== undefined) {
    if (p.binding === undefined)
      fail('binding-missing', `the presentation is bound to no terms; the check is for terms with digest ${expected.binding}`)
    else if (p.binding !== expected.binding)
      fail(
        'binding-mismatch',
        `the presentation is bound to other terms (${isBinding(p.binding) ? p.binding : quote(p.binding)}) than the check's ${expected.binding}`,
      )
  } else if (p.binding !== undefined) {
    fail('binding-unchecked', 'the presentation is bound to terms, but the check was given none to compare (context.binding)')
  }
  checkTimes(view, p, 'presentation', (code, message) => fail(code, `presentation: ${message}`))
  await checkSignature(view, jws, holder, 'authentication', undefined, 'presentation', fail)

  // Every credential verifies on its own; reasons keep presentation order whatever finishes first.
  const credentials = await Promise.all((list as string[]).map((jwt, i) => verifyCredentialIn(view, jwt, `credential[${i}]`)))
  return { holder, credentials }
}
