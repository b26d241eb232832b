import {
  GridResolver,
  MemoryLedger,
  MemoryStatusIndexStore,
  StatusRegistry,
  createDid,
  issueRoleCredential,
  publishRoleSchemas,
  publishTrustRegistry,
  trustRegistryUrl,
  type ClaimsOf,
  type CredentialKind,
  type Ed25519KeyPair,
  type JwtSigner,
  type Ledger,
  type RoleCheckContext,
  type RoleName,
} from '../../src/index.js'
import { key, vm } from '../helpers.js'

/** 2027-01-01T00:00:00Z: the ledger clock starts here and moves only when a test moves it. */
export const T0 = 1_798_761_600
export const DAY = 86_400

export const CLAIMS: { [R in RoleName]: ClaimsOf[R] } = {
  user: { accountNumber: '3301060001', meterIds: ['M-330106-01'], voltageLevel: '10kV', contractedCapacityKva: 800, region: '330106' },
  aggregator: {
    organizationName: 'Zhejiang Load Aggregation Co.',
    unifiedSocialCreditCode: '91350100M000100Y43',
    licensedRegions: ['330100', '330106'],
    maxAggregatedCapacityKw: 50_000,
  },
  'production-base': { groupId: 'acme-group', baseId: 'acme-ningbo-1', region: '330200', maxLoadKw: 12_000, priorityClass: 2 },
}

export interface Party {
  did: string
  update: Ed25519KeyPair
  recovery: Ed25519KeyPair
  signing: Ed25519KeyPair
  /** The signing key as a JWT signer (`key-1`: authentication + assertionMethod). */
  jwt: JwtSigner
}

/**
 * A utility with published schemas and a trust registry, on a memory ledger whose clock the test
 * controls, plus helpers to make parties and credentials.
 */
export class World {
  now = T0
  readonly ledger: Ledger
  readonly resolver: GridResolver
  utility!: Party
  schemas!: Record<CredentialKind, string>
  status!: StatusRegistry
  registry!: string
  readonly statusStore = new MemoryStatusIndexStore()

  /** `open` makes the world's ledger on the world's clock (default: a memory ledger). */
  constructor(open: (clock: () => number) => Ledger = (clock) => new MemoryLedger({ clock })) {
    this.ledger = open(() => this.now)
    this.resolver = new GridResolver({ networks: { test: this.ledger } })
  }

  static async create(open?: (clock: () => number) => Ledger): Promise<World> {
    const w = new World(open)
    w.utility = await w.party('utility')
    w.schemas = await publishRoleSchemas({ did: w.utility.did, signer: w.utility.signing }, w)
    await w.trust({ user: [w.utility.did], aggregator: [w.utility.did], 'production-base': [w.utility.did] })
    w.registry = trustRegistryUrl(w.utility.did)
    w.status = new StatusRegistry({
      did: w.utility.did,
      signer: w.utility.signing,
      ledger: w.ledger,
      resolver: w.resolver,
      store: w.statusStore,
    })
    return w
  }

  /** Publishes a trust registry naming these issuers per role. */
  async trust(issuers: Record<RoleName, string[]>): Promise<void> {
    await publishTrustRegistry({ did: this.utility.did, signer: this.utility.signing }, this, {
      roles: {
        user: { issuers: issuers.user, schema: this.schemas.user },
        aggregator: { issuers: issuers.aggregator, schema: this.schemas.aggregator },
        'production-base': { issuers: issuers['production-base'], schema: this.schemas['production-base'] },
      },
      mandate: { schema: this.schemas.mandate },
    })
  }

  async party(label: string, purposes = ['authentication', 'assertionMethod']): Promise<Party> {
    const update = key(`${label}-update`)
    const recovery = key(`${label}-recovery`)
    const signing = key(`${label}-signing`)
    const op = await createDid({
      network: 'test',
      updateKey: update,
      recoveryKey: recovery,
      document: { verificationMethods: [vm('key-1', signing, purposes)] },
    })
    await this.ledger.submit([op.bytes])
    return { did: op.did, update, recovery, signing, jwt: { did: op.did, keyId: 'key-1', signer: signing } }
  }

  /** A role credential from the utility, valid from now for `days`. */
  issue<R extends RoleName>(role: R, subject: string, claims?: ClaimsOf[R], days = 365): Promise<string> {
    return issueRoleCredential({
      issuer: this.utility.jwt,
      role,
      subject,
      claims: (claims ?? CLAIMS[role]) as ClaimsOf[R],
      schema: this.schemas[role],
      status: this.status,
      issuedAt: this.now,
      validUntil: this.now + days * DAY,
    })
  }

  /** A role-check context at the current ledger head and clock. */
  async context(audience = 'did:grid:test:contract#response', challenge = 'nonce-0001'): Promise<RoleCheckContext> {
    const head = await this.ledger.head()
    return { resolver: this.resolver, trustRegistry: this.registry, audience, challenge, time: this.now, height: head.height }
  }
}
