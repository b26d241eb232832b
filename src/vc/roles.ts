import type { JsonValue } from '../lib/jcs.js'

/** The three roles a did:grid role credential can prove. */
export type RoleName = 'user' | 'aggregator' | 'production-base'

/** Every role, in a fixed order. */
export const ROLES: readonly RoleName[] = Object.freeze(['user', 'aggregator', 'production-base'])

/** The kinds of credential the role check understands: the three roles and the mandate. */
export type CredentialKind = RoleName | 'mandate'

/** The VC `type` (after `VerifiableCredential`) of each kind of credential. */
export const CREDENTIAL_TYPES: Readonly<Record<CredentialKind, string>> = Object.freeze({
  user: 'GridUserCredential',
  aggregator: 'GridAggregatorCredential',
  'production-base': 'GridProductionBaseCredential',
  mandate: 'GridMandateCredential',
})

/** Actions every deployment knows. Others may be named (`<area>.<verb>`, lowercase). */
export const ACTIONS = Object.freeze({
  /** Bid into a demand-response event. */
  responseBid: 'response.bid',
  /** Receive a settlement payment (subsidy). */
  settlementReceive: 'settlement.receive',
})

/**
 * The voltage levels a user credential may name: the nominal voltages of AC systems in GB/T 156-2017
 * (Standard voltages), written as the supply contract writes them — the 220 V–1000 V systems in
 * volts (220/380 V, 380/660 V, 1000 V), the 380 V level also as `0.4kV` (its customary name in
 * Chinese distribution), and the 3 kV–1000 kV systems in kilovolts. One spelling per level
 * otherwise, so that equal levels compare equal.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-credentials
 */
export const VOLTAGE_LEVELS: readonly string[] = Object.freeze([
  '220V',
  '380V',
  '660V',
  '1000V',
  '0.4kV',
  '3kV',
  '6kV',
  '10kV',
  '20kV',
  '35kV',
  '66kV',
  '110kV',
  '220kV',
  '330kV',
  '500kV',
  '750kV',
  '1000kV',
])

/** Claims of a `user` (electricity consumer) credential. */
export interface UserClaims {
  accountNumber: string
  meterIds: string[]
  /** One of {@link VOLTAGE_LEVELS}, e.g. `"380V"`, `"0.4kV"`, `"10kV"`. */
  voltageLevel: string
  contractedCapacityKva: number
  /** 6-digit administrative division code (GB/T 2260). */
  region: string
  extensions?: Record<string, string | number | boolean>
}

/** Claims of an `aggregator` (load aggregator) credential. */
export interface AggregatorClaims {
  organizationName: string
  /** 18 characters, GB 32100-2015 check character verified. */
  unifiedSocialCreditCode: string
  licensedRegions: string[]
  maxAggregatedCapacityKw: number
  extensions?: Record<string, string | number | boolean>
}

/** Claims of a `production-base` (factory site of a group manufacturer) credential. */
export interface ProductionBaseClaims {
  groupId: string
  baseId: string
  region: string
  maxLoadKw: number
  /** 1 (most critical) to 5; used for peak-time allocation. */
  priorityClass: number
  extensions?: Record<string, string | number | boolean>
}

/** Claims of a mandate: which actions the aggregator may take for the user, up to what capacity. */
export interface MandateClaims {
  actions: string[]
  maxKw: number
}

/** The claims type of each credential kind. */
export interface ClaimsOf {
  user: UserClaims
  aggregator: AggregatorClaims
  'production-base': ProductionBaseClaims
  mandate: MandateClaims
}

/** A JSON Schema (2020-12) as published on the ledger. */
export type JsonSchema = { [key: string]: JsonValue }

// Provinces, autonomous regions and municipalities (first two digits of GB/T 2260 codes),
// Taiwan (71), Hong Kong (81), Macao (82).
const REGION = '^(1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|81|82)[0-9]{4}$'
const IDENT = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$'
const META = 'https://json-schema.org/draft/2020-12/schema'

const region: JsonSchema = { type: 'string', pattern: REGION }
const kilowatts: JsonSchema = { type: 'number', exclusiveMinimum: 0, maximum: 100_000_000 }
// Deployment-specific claims live only here, under a namespaced key (e.g. `sgcc:tariffClass`), so
// the public claim names never collide with a utility's own.
const extensions: JsonSchema = {
  type: 'object',
  maxProperties: 32,
  propertyNames: { pattern: '^[a-z][a-z0-9]{0,15}:[A-Za-z][A-Za-z0-9_-]{0,63}$' },
  additionalProperties: { type: ['string', 'number', 'boolean'], maxLength: 256 },
}

function claimsSchema(title: string, required: string[], properties: Record<string, JsonSchema>, open: boolean): JsonSchema {
  return {
    $schema: META,
    title,
    type: 'object',
    required,
    // `id` is the subject DID, which JWT credentials carry as `sub`.
    properties: { id: { type: 'string', pattern: '^did:' }, ...properties, ...(open ? { extensions } : {}) },
    additionalProperties: false,
  }
}

/**
 * The claim schemas of the three roles and the mandate: a public contract other utilities'
 * services read, published on the ledger as DID-linked resources (`publishRoleSchemas`).
 * `format: "unified-social-credit-code"` is the GB 32100-2015 check-character rule.
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#role-credentials
 */
export const CLAIM_SCHEMAS: Readonly<Record<CredentialKind, JsonSchema>> = Object.freeze({
  user: claimsSchema(
    'did:grid user (electricity consumer) claims',
    ['accountNumber', 'meterIds', 'voltageLevel', 'contractedCapacityKva', 'region'],
    {
      accountNumber: { type: 'string', pattern: '^[A-Za-z0-9-]{4,32}$' },
      meterIds: { type: 'array', minItems: 1, maxItems: 64, uniqueItems: true, items: { type: 'string', pattern: IDENT } },
      voltageLevel: { type: 'string', enum: [...VOLTAGE_LEVELS] },
      contractedCapacityKva: kilowatts,
      region,
    },
    true,
  ),
  aggregator: claimsSchema(
    'did:grid aggregator (load aggregator) claims',
    ['organizationName', 'unifiedSocialCreditCode', 'licensedRegions', 'maxAggregatedCapacityKw'],
    {
      organizationName: { type: 'string', minLength: 1, maxLength: 128 },
      unifiedSocialCreditCode: { type: 'string', format: 'unified-social-credit-code' },
      licensedRegions: { type: 'array', minItems: 1, maxItems: 64, uniqueItems: true, items: region },
      maxAggregatedCapacityKw: kilowatts,
    },
    true,
  ),
  'production-base': claimsSchema(
    'did:grid production base (factory site) claims',
    ['groupId', 'baseId', 'region', 'maxLoadKw', 'priorityClass'],
    {
      groupId: { type: 'string', pattern: IDENT },
      baseId: { type: 'string', pattern: IDENT },
      region,
      maxLoadKw: kilowatts,
      priorityClass: { type: 'integer', minimum: 1, maximum: 5 },
    },
    true,
  ),
  mandate: claimsSchema(
    'did:grid mandate (user to aggregator) claims',
    ['actions', 'maxKw'],
    {
      actions: { type: 'array', minItems: 1, maxItems: 16, uniqueItems: true, items: { type: 'string', pattern: '^[a-z]+(\\.[a-z]+)+$' } },
      maxKw: kilowatts,
    },
    false,
  ),
})

/**
 * The major version of each kind's schema, in its resource id. A new version of an anchored schema
 * resource may only accept more: verifiers read the schema as of the check's height, so anything
 * else would silently fail credentials issued under earlier versions. A schema that refuses claims an
 * earlier one accepted gets a new id instead — the user schema's GB/T 156 voltage levels (v1 took
 * any `^[1-9][0-9]{0,3}(V|kV)$`) — and a utility adopts it by naming it in its trust registry, with
 * credentials issued under it.
 */
const SCHEMA_MAJOR: Readonly<Record<CredentialKind, number>> = Object.freeze({ user: 2, aggregator: 1, 'production-base': 1, mandate: 1 })

/** Default resource ids of the schemas and the trust registry on the utility's DID. */
export const RESOURCE_IDS = Object.freeze({
  schema: (kind: CredentialKind): string => `schema-${kind}-v${SCHEMA_MAJOR[kind]}`,
  trustRegistry: 'trust-registry',
})
