import { InvalidOperationError, ResourceConflictError, ResourceNotFoundError } from '../errors.js'
import type { Ledger } from '../ledger/types.js'
import { canonicalize, type JsonValue } from '../lib/jcs.js'
import type { OperationSigner } from '../method/keys.js'
import { assertResourceApplies, publishResource, type ResourceVersion } from '../method/resource.js'
import type { GridResolver } from '../resolver/resolver.js'
import { CLAIM_SCHEMAS, RESOURCE_IDS, ROLES, type CredentialKind, type RoleName } from './roles.js'

/** Who publishes a resource: the owner DID and its update key or an `assertionMethod` key. */
export interface ResourceAuthor {
  did: string
  signer: OperationSigner
}

/** Where resources are anchored and read back. */
export interface AnchorTarget {
  ledger: Ledger
  resolver: GridResolver
}

const ATTEMPTS = 3

/** The content of a new version, or a function computing it from the latest version (re-run after a lost race). */
export type ResourceContent =
  | { [key: string]: JsonValue }
  | ((latest: ResourceVersion | undefined) => { [key: string]: JsonValue } | Promise<{ [key: string]: JsonValue }>)

/**
 * Anchors `content` as the next version of `<did>/resources/<resourceId>` and waits until the
 * resolver shows it applied. Publishing the content the latest version already has is a no-op, so
 * re-running a publication is safe. When a concurrent writer's version lands first, the content is
 * recomputed on top of theirs (pass a function to merge: a status list re-applies its changes to the
 * winner's list), so nobody's change is silently undone.
 *
 * @throws {InvalidOperationError}, before anything is anchored, when the version would not apply
 *   on top of the current state: `unauthorized` when the signer may not publish for the DID,
 *   `after-deactivation` when the DID is deactivated, `type-changed` when the resource exists with
 *   another type, `wrong-predecessor` when `prev` is not the latest version;
 *   {@link DidNotFoundError} when the owner DID is not on the ledger; {@link ResourceConflictError} after
 *   three lost races; {@link LedgerRejectedError} / ledger errors as the ledger throws them.
 * @example
 * ```ts
 * const v = await anchorResource({ did, signer }, { ledger, resolver }, 'tariffs', 'TariffTable', { peak: 15 })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#did-linked-resources
 */
export async function anchorResource(
  author: ResourceAuthor,
  target: AnchorTarget,
  resourceId: string,
  resourceType: string,
  content: ResourceContent,
): Promise<ResourceVersion> {
  const url = `${author.did}/resources/${resourceId}`
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const latest = await latestVersion(target.resolver, url)
    if (latest && latest.resourceType !== resourceType) {
      throw new InvalidOperationError('type-changed', `${url} is a ${latest.resourceType}, not a ${resourceType}`)
    }
    const next = typeof content === 'function' ? await content(latest) : content
    if (latest && canonicalize(latest.content as JsonValue) === canonicalize(next)) return latest
    const owner = await target.resolver.resolveState(author.did)
    const op = await publishResource({ did: author.did, resourceId, resourceType, content: next, prev: latest?.cid, signer: author.signer })
    // An honest writer anchors no junk: the version must apply on top of what the ledger shows now.
    assertResourceApplies(owner, latest, op)
    await target.ledger.submit([op.bytes])
    const now = await latestVersion(target.resolver, url)
    if (now?.cid === op.cid) return now
  }
  throw new ResourceConflictError(url)
}

async function latestVersion(resolver: GridResolver, url: string): Promise<ResourceVersion | undefined> {
  try {
    return (await resolver.resolveResource(url)).version
  } catch (err) {
    if (err instanceof ResourceNotFoundError) return undefined
    throw err
  }
}

/** The URL of a credential kind's schema on the utility's DID. */
export function schemaUrl(utility: string, kind: CredentialKind): string {
  return `${utility}/resources/${RESOURCE_IDS.schema(kind)}`
}

/** The URL of the utility's trust registry. */
export function trustRegistryUrl(utility: string): string {
  return `${utility}/resources/${RESOURCE_IDS.trustRegistry}`
}

/**
 * Anchors the built-in claim schemas ({@link CLAIM_SCHEMAS}) as DID-linked resources of the
 * utility's DID (`schema-user-v2`, `schema-aggregator-v1`, …), unchanged ones skipped. Returns each kind's schema URL.
 * @example `const schemas = await publishRoleSchemas({ did: utility, signer }, { ledger, resolver })`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-credentials
 */
export async function publishRoleSchemas(author: ResourceAuthor, target: AnchorTarget): Promise<Record<CredentialKind, string>> {
  const out = {} as Record<CredentialKind, string>
  for (const kind of [...ROLES, 'mandate'] as const) {
    await anchorResource(author, target, RESOURCE_IDS.schema(kind), 'JsonSchema', CLAIM_SCHEMAS[kind])
    out[kind] = schemaUrl(author.did, kind)
  }
  return out
}

/** Which issuers the utility trusts for each role, and the schema each kind of credential follows. */
export interface TrustRegistry {
  roles: Partial<Record<RoleName, { issuers: string[]; schema: string }>>
  /** Mandates are issued by users (not by trusted issuers); only their schema is fixed. */
  mandate?: { schema: string }
}

/** The resource type of an anchored trust registry. */
export const TRUST_REGISTRY_TYPE = 'GridTrustRegistry'

/**
 * Anchors (or updates) the utility's trust registry at `<utility>/resources/trust-registry`.
 * @example
 * ```ts
 * await publishTrustRegistry({ did: utility, signer }, { ledger, resolver }, {
 *   roles: { user: { issuers: [utility], schema: schemas.user } }, mandate: { schema: schemas.mandate } })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#trust-registry
 */
export async function publishTrustRegistry(
  author: ResourceAuthor,
  target: AnchorTarget,
  registry: TrustRegistry,
): Promise<ResourceVersion> {
  const problem = registryProblem(registry)
  if (problem) throw new TypeError(`registry: ${problem}`)
  return anchorResource(author, target, RESOURCE_IDS.trustRegistry, TRUST_REGISTRY_TYPE, {
    type: TRUST_REGISTRY_TYPE,
    ...(registry as unknown as { [key: string]: JsonValue }),
  })
}

/** A trust registry as the verifier uses it. */
export interface ParsedTrustRegistry {
  issuers: Map<RoleName, Set<string>>
  schemas: Map<CredentialKind, string>
}

/**
 * Parsed registries per anchored version. A WeakMap, not an `Lru`: the key is the frozen content
 * object the resolver shares for one version, so an entry lives exactly as long as the resolver keeps
 * that version (its cache is the bound), and the parse is a pure function of that immutable content.
 */
const parsed = new WeakMap<object, ParsedTrustRegistry | string>()

/** Parses anchored registry content once per version (content objects are shared and frozen). */
export function readTrustRegistry(content: Readonly<Record<string, unknown>>): ParsedTrustRegistry | string {
  let out = parsed.get(content)
  if (out === undefined) {
    const problem = content.type !== TRUST_REGISTRY_TYPE ? `type must be ${TRUST_REGISTRY_TYPE}` : registryProblem(content)
    if (problem) out = problem
    else {
      const registry = content as unknown as TrustRegistry
      const issuers = new Map<RoleName, Set<string>>()
      const schemas = new Map<CredentialKind, string>()
      for (const role of ROLES) {
        const entry = registry.roles[role]
        if (!entry) continue
        issuers.set(role, new Set(entry.issuers))
        schemas.set(role, entry.schema)
      }
      if (registry.mandate) schemas.set('mandate', registry.mandate.schema)
      out = { issuers, schemas }
    }
    parsed.set(content, out)
  }
  return out
}

function registryProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'must be an object'
  const { roles, mandate } = value as Record<string, unknown>
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) return 'roles must be an object'
  for (const [role, entry] of Object.entries(roles)) {
    if (!(ROLES as readonly string[]).includes(role)) return `unknown role "${role}"`
    const e = entry as Record<string, unknown>
    if (typeof e !== 'object' || e === null || !Array.isArray(e.issuers) || e.issuers.some((i) => typeof i !== 'string')) {
      return `roles.${role}.issuers must be a list of DIDs`
    }
    if (typeof e.schema !== 'string') return `roles.${role}.schema must be a URL`
  }
  if (
    mandate !== undefined &&
    (typeof mandate !== 'object' || mandate === null || typeof (mandate as Record<string, unknown>).schema !== 'string')
  ) {
    return 'mandate.schema must be a URL'
  }
  return undefined
}
