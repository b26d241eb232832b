import type { LedgerView } from './ledger-view.js'
import type { Fail } from './reasons.js'
import type { ParsedTrustRegistry } from './resources.js'
import type { CredentialKind, JsonSchema } from './roles.js'
import { claimErrors } from './schema.js'

/**
 * The credential names the schema the trust registry gives for its kind, and its claims match that
 * schema as anchored at the context height. Runs after {@link checkTrust} has read the registry.
 *
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#verification
 * @internal
 */
export async function checkSchema(
  view: LedgerView,
  kind: CredentialKind,
  vc: Record<string, unknown>,
  subject: Record<string, unknown>,
  fail: Fail,
): Promise<void> {
  const registry = (await view.registry()) as ParsedTrustRegistry // checkTrust() has read it
  const url = registry.schemas.get(kind)
  const named = (vc.credentialSchema as Record<string, unknown> | undefined)?.id
  if (url === undefined) return fail('schema-unavailable', `the trust registry names no schema for ${kind}`)
  if (named !== url) return fail('schema-invalid', `credentialSchema must be ${url}`)
  const resource = await view.resource(url, 'JsonSchema')
  if (typeof resource === 'string') return fail('schema-unavailable', resource)
  let errors: string[]
  try {
    const { id: _id, ...claims } = subject
    errors = claimErrors(resource as JsonSchema, claims)
  } catch (err) {
    return fail('schema-unavailable', `${url} does not compile: ${(err as Error).message}`)
  }
  if (errors.length > 0) fail('schema-invalid', errors.join('; '))
}
