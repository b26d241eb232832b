import { createVerifiableCredentialJwt, createVerifiablePresentationJwt } from 'did-jwt-vc'
import { InvalidClaimsError } from '../errors.js'
import { MAX_TIME } from '../lib/time.js'
import { parseDid } from '../method/did.js'
import type { OperationSigner } from '../method/keys.js'
import { isBinding } from './binding.js'
import { didJwtSigner } from './jwt.js'
import { CLAIM_SCHEMAS, CREDENTIAL_TYPES, type ClaimsOf, type CredentialKind, type MandateClaims, type RoleName } from './roles.js'
import { claimErrors } from './schema.js'
import type { StatusRegistry } from './status-registry.js'
import type { StatusListEntry } from './status-list.js'

/** A DID that signs JWTs: its DID, the verification method id (fragment) and a signer for that key. */
export interface JwtSigner {
  did: string
  /** Fragment of the verification method, e.g. `key-1` (an `assertionMethod` key to issue, an `authentication` key to present). */
  keyId: string
  signer: OperationSigner
}

/** A time as Unix seconds or a Date. */
export type TimeInput = number | Date

/** Options shared by every credential this package issues. */
export interface CredentialTimes {
  /** `nbf`; default `issuedAt`. */
  validFrom?: TimeInput
  /** `exp`; required: role credentials are never open-ended. */
  validUntil: TimeInput
  /** `iat`; default now. */
  issuedAt?: TimeInput
  /** `jti`; default a random `urn:uuid:`. */
  id?: string
}

/** Options of {@link issueRoleCredential}. */
export interface IssueRoleCredentialOptions<R extends RoleName> extends CredentialTimes {
  issuer: JwtSigner
  role: R
  /** The holder's DID. */
  subject: string
  claims: ClaimsOf[R]
  /** URL of the role's anchored schema, e.g. `schemaUrl(utility, 'user')`. */
  schema: string
  /**
   * The issuer's status lists, which allocate the credential a revocation and a suspension entry —
   * or entries allocated earlier (e.g. recorded by a batch that is being re-run).
   */
  status: StatusRegistry | readonly StatusListEntry[]
}

/**
 * Issues a role credential as a VC-JWT with did-jwt-vc: `alg: EdDSA`, `kid` naming the issuer's
 * `assertionMethod` key, `iat`/`nbf`/`exp`, a unique `jti`, the role's `credentialSchema`, and
 * Bitstring Status List entries for revocation and suspension. Claims are checked against the
 * role's schema before anything is signed.
 *
 * @throws {InvalidClaimsError} when the claims do not match the role's schema;
 *   {@link InvalidDidError} for a bad subject; {@link RangeError} for a bad validity window.
 * @example
 * ```ts
 * const jwt = await issueRoleCredential({ issuer: { did: utility, keyId: 'key-1', signer },
 *   role: 'user', subject: userDid, schema: schemaUrl(utility, 'user'), status, validUntil: new Date('2027-12-31'),
 *   claims: { accountNumber: '3301060001', meterIds: ['M-1'], voltageLevel: '10kV', contractedCapacityKva: 800, region: '330106' } })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#issuance
 */
export async function issueRoleCredential<R extends RoleName>(options: IssueRoleCredentialOptions<R>): Promise<string> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  if (!Object.hasOwn(CLAIM_SCHEMAS, options.role) || options.role === ('mandate' as string)) {
    throw new RangeError(`role must be user, aggregator or production-base, got ${String(options.role)}`)
  }
  // Everything is checked before an index is allocated: a mistake (an expired window, a bad key id)
  // must not burn an index of the issuer's lists, once per credential of a batch.
  const sign = draft(options.role, options, options.subject, options.claims, options.schema)
  return sign(Array.isArray(options.status) ? [...options.status] : await (options.status as StatusRegistry).allocate())
}

/** Options of {@link issueMandate}. */
export interface IssueMandateOptions extends CredentialTimes, MandateClaims {
  /** The user granting the mandate (issuer of the mandate). */
  user: JwtSigner
  /** The aggregator's DID (subject and holder). */
  aggregator: string
  /** URL of the anchored mandate schema. */
  schema: string
  /** The user's own status lists, if the user wants to be able to revoke before `validUntil`. */
  status?: StatusRegistry
}

/**
 * Issues a mandate: the user's DID authorises an aggregator's DID to take `actions` for it, up to
 * `maxKw`, between `validFrom` and `validUntil` (the JWT's `nbf`/`exp`).
 * @throws as {@link issueRoleCredential}.
 * @example
 * ```ts
 * const mandate = await issueMandate({ user: { did: userDid, keyId: 'key-1', signer: userKey },
 *   aggregator: aggDid, actions: ['response.bid', 'settlement.receive'], maxKw: 200,
 *   schema: schemaUrl(utility, 'mandate'), validUntil: new Date('2027-06-30') })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#mandates
 */
export async function issueMandate(options: IssueMandateOptions): Promise<string> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  const claims: MandateClaims = { actions: options.actions, maxKw: options.maxKw }
  const sign = draft('mandate', { ...options, issuer: options.user }, options.aggregator, claims, options.schema)
  return sign(options.status ? await options.status.allocate() : undefined)
}

/**
 * Checks everything about a credential that can be checked before its status entries exist (subject,
 * claims, schema, times, issuer key id) and returns what signs it with them: nobody allocates a status
 * index for a credential that would then be refused.
 */
function draft(
  kind: CredentialKind,
  options: CredentialTimes & { issuer: JwtSigner },
  subject: string,
  claims: object,
  schema: string,
): (status: StatusListEntry[] | undefined) => Promise<string> {
  parseDid(subject)
  const errors = claimErrors(CLAIM_SCHEMAS[kind], claims)
  if (errors.length > 0) throw new InvalidClaimsError(kind, errors)
  if (typeof schema !== 'string' || !schema.startsWith('did:')) throw new TypeError('schema must be the URL of an anchored schema')
  const iat = seconds(options.issuedAt ?? new Date(), 'issuedAt')
  const nbf = seconds(options.validFrom ?? iat, 'validFrom')
  const exp = seconds(options.validUntil, 'validUntil')
  if (exp <= nbf) throw new RangeError('validUntil must be after validFrom')
  const { issuer } = options
  const kid = kidOf(issuer)
  if (typeof issuer.signer?.sign !== 'function') throw new TypeError('issuer.signer must be a signer')
  const jti = options.id ?? `urn:uuid:${crypto.randomUUID()}`
  return (status) => {
    const vc: Record<string, unknown> = {
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiableCredential', CREDENTIAL_TYPES[kind]],
      credentialSubject: claims,
      credentialSchema: { id: schema, type: 'JsonSchema' },
    }
    if (status) vc.credentialStatus = status
    return createVerifiableCredentialJwt(
      { iss: issuer.did, sub: subject, iat, nbf, exp, jti, vc } as never,
      { did: issuer.did, signer: didJwtSigner(issuer.signer), alg: 'EdDSA' },
      { header: { alg: 'EdDSA', kid } },
    )
  }
}

/** Options of {@link createPresentation}. */
export interface CreatePresentationOptions {
  /** The holder; `keyId` must be in its `authentication` relationship. */
  holder: JwtSigner
  /** Credential JWTs (1-8). */
  credentials: string[]
  /** Who the presentation is for (the contract or service): JWT `aud`. */
  audience: string
  /** The verifier's nonce: JWT `nonce`. */
  challenge: string
  /**
   * The digest of the terms this presentation authorises ({@link termsDigest}, `0x` + 64 hex): JWT
   * `binding`. A verifier then accepts it only for those terms, so nobody who sees it pending can
   * submit it first with other terms.
   */
  binding?: string
  /** `iat`/`nbf`; default now. */
  issuedAt?: TimeInput
  /** `exp`; default five minutes after `issuedAt`. */
  validUntil?: TimeInput
}

/**
 * A holder's presentation (VP-JWT, did-jwt-vc, `alg: EdDSA`), always bound to an audience and a
 * challenge: the role check refuses presentations without them. With `binding`, it is bound to the
 * terms it authorises too (a bid's capacity and price, say): the role check refuses it for any others.
 * @throws {TypeError} when audience or challenge is missing, `binding` is not `0x` + 64 lowercase hex
 *   digits, or there are no credentials.
 * @example
 * ```ts
 * const vp = await createPresentation({ holder: { did, keyId: 'key-1', signer }, credentials: [jwt],
 *   audience: 'did:grid:sgcc:…#response-contract', challenge: invitation.nonce,
 *   binding: termsDigest({ event: invitation.id, role: 'user', capacityKw: 120, priceFen: 1200 }) })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#presentations
 */
export async function createPresentation(options: CreatePresentationOptions): Promise<string> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object')
  const { holder, credentials, audience, challenge } = options
  if (typeof audience !== 'string' || audience.length === 0) throw new TypeError('audience must be a non-empty string')
  if (typeof challenge !== 'string' || challenge.length === 0) throw new TypeError('challenge must be a non-empty string')
  if (options.binding !== undefined && !isBinding(options.binding))
    throw new TypeError('binding must be 0x and 64 lowercase hex digits (see termsDigest)')
  if (!Array.isArray(credentials) || credentials.length === 0 || credentials.length > MAX_CREDENTIALS) {
    throw new TypeError(`credentials must hold 1-${MAX_CREDENTIALS} credential JWTs`)
  }
  parseDid(holder.did)
  const iat = seconds(options.issuedAt ?? new Date(), 'issuedAt')
  const exp = seconds(options.validUntil ?? iat + 300, 'validUntil')
  if (exp <= iat) throw new RangeError('validUntil must be after issuedAt')
  return createVerifiablePresentationJwt(
    {
      iss: holder.did,
      aud: audience,
      nonce: challenge,
      ...(options.binding !== undefined ? { binding: options.binding } : {}),
      iat,
      nbf: iat,
      exp,
      vp: { '@context': ['https://www.w3.org/2018/credentials/v1'], type: ['VerifiablePresentation'], verifiableCredential: credentials },
    } as never,
    { did: holder.did, signer: didJwtSigner(holder.signer), alg: 'EdDSA' },
    { header: { alg: 'EdDSA', kid: kidOf(holder) } },
  )
}

/** The most credentials one presentation may carry. */
export const MAX_CREDENTIALS = 8

function kidOf(signer: JwtSigner): string {
  if (typeof signer !== 'object' || signer === null || typeof signer.keyId !== 'string')
    throw new TypeError('signer.keyId must be a string')
  parseDid(signer.did)
  const fragment = signer.keyId.startsWith(`${signer.did}#`) ? signer.keyId.slice(signer.did.length + 1) : signer.keyId
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(fragment)) throw new TypeError('signer.keyId must be a verification method fragment such as "key-1"')
  return `${signer.did}#${fragment}`
}

/** Unix seconds of a time input. */
function seconds(value: TimeInput, name: string): number {
  const s = value instanceof Date ? Math.floor(value.getTime() / 1000) : value
  if (!Number.isSafeInteger(s) || s < 0 || s > MAX_TIME) throw new RangeError(`${name} must be a Date or Unix seconds`)
  return s
}
