import type { LedgerView } from './ledger-view.js'
import type { Fail } from './reasons.js'
import type { CredentialKind } from './roles.js'

/**
 * The trust registry lists `issuer` for the role `kind` (anyone may issue a mandate: its issuer is
 * the user it speaks for).
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#trust-registry
 * @internal
 */
export async function checkTrust(view: LedgerView, kind: CredentialKind, issuer: string, fail: Fail): Promise<void> {
  const registry = await view.registry()
  if (typeof registry === 'string') return fail('trust-registry-unavailable', registry)
  if (kind !== 'mandate' && !registry.issuers.get(kind)?.has(issuer)) {
    fail('issuer-untrusted', `${issuer} is not trusted to issue ${kind} credentials`)
  }
}
