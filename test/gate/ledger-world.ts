import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Address, Hex } from 'viem'
import {
  GridResolver,
  MemoryStatusIndexStore,
  StatusRegistry,
  createDid,
  createPresentation,
  issueRoleCredential,
  publishRoleSchemas,
  publishTrustRegistry,
  trustRegistryUrl,
  type ClaimsOf,
  type CredentialKind,
  type RoleName,
} from '../../src/index.js'
import { ChainIndex } from '../../src/ledger/chain-index.js'
import { createDevChain, type DevChain } from '../../src/ledger/devchain.js'
import { EvmLedger, deployRegistry } from '../../src/ledger/evm.js'
import { serveRpc, type RpcServer } from '../../src/ledger/rpc-server.js'
import { key, vm } from '../helpers.js'
import { CLAIMS, DAY, type Party } from '../vc/world.js'

/** The registry's deployer and only writer on the test chain (a fixed test key, used nowhere else). */
export const WRITER: Hex = `0x${'77'.repeat(32)}`

/**
 * The role-check test world (test/vc/world.ts) on the chain ledger: the in-process dev chain served
 * over HTTP, the registry deployed, and the utility's DIDs, schemas, trust registry and status lists
 * anchored through a ChainIndex. Times are block times: credentials and presentations are issued at
 * the time of the chain's latest block, so a decision at any later height sees them as valid.
 */
export class LedgerWorld {
  readonly dir = mkdtempSync(join(tmpdir(), 'grid-did-ledger-world-'))
  chain!: DevChain
  rpc!: RpcServer
  registry!: Address
  index!: ChainIndex
  resolver!: GridResolver
  utility!: Party
  schemas!: Record<CredentialKind, string>
  status!: StatusRegistry
  trustRegistry!: string

  static async create(): Promise<LedgerWorld> {
    const w = new LedgerWorld()
    w.chain = await createDevChain()
    w.rpc = await serveRpc(w.chain, { port: 0 })
    w.registry = (await deployRegistry({ rpc: w.chain, account: WRITER })).address
    w.index = new ChainIndex(join(w.dir, 'world.db'), new EvmLedger({ rpc: w.chain, registry: w.registry, account: WRITER }), {
      create: true,
    })
    await w.index.sync()
    w.resolver = new GridResolver({ networks: { test: w.index } })
    w.utility = await w.party('utility')
    w.schemas = await publishRoleSchemas({ did: w.utility.did, signer: w.utility.signing }, { ledger: w.index, resolver: w.resolver })
    await publishTrustRegistry(
      { did: w.utility.did, signer: w.utility.signing },
      { ledger: w.index, resolver: w.resolver },
      {
        roles: {
          user: { issuers: [w.utility.did], schema: w.schemas.user },
          aggregator: { issuers: [w.utility.did], schema: w.schemas.aggregator },
          'production-base': { issuers: [w.utility.did], schema: w.schemas['production-base'] },
        },
        mandate: { schema: w.schemas.mandate },
      },
    )
    w.trustRegistry = trustRegistryUrl(w.utility.did)
    w.status = new StatusRegistry({
      did: w.utility.did,
      signer: w.utility.signing,
      ledger: w.index,
      resolver: w.resolver,
      store: new MemoryStatusIndexStore(),
    })
    return w
  }

  /** The time of the latest indexed block. */
  async now(): Promise<number> {
    return (await this.index.head()).time
  }

  /** The latest indexed height. */
  async height(): Promise<number> {
    return (await this.index.head()).height
  }

  async party(label: string): Promise<Party> {
    const update = key(`${label}-update`)
    const recovery = key(`${label}-recovery`)
    const signing = key(`${label}-signing`)
    const op = await createDid({
      network: 'test',
      updateKey: update,
      recoveryKey: recovery,
      document: { verificationMethods: [vm('key-1', signing)] },
    })
    await this.index.submit([op.bytes])
    return { did: op.did, update, recovery, signing, jwt: { did: op.did, keyId: 'key-1', signer: signing } }
  }

  /** A role credential from the utility, issued at the latest block's time, valid for a year. */
  async issue<R extends RoleName>(role: R, subject: string, claims?: ClaimsOf[R]): Promise<string> {
    const now = await this.now()
    return issueRoleCredential({
      issuer: this.utility.jwt,
      role,
      subject,
      claims: (claims ?? CLAIMS[role]) as ClaimsOf[R],
      schema: this.schemas[role],
      status: this.status,
      issuedAt: now,
      validUntil: now + 365 * DAY,
    })
  }

  /** A presentation issued at the latest block's time, valid for an hour. */
  async present(holder: Party, credentials: string[], audience: string, challenge: string, binding: string): Promise<string> {
    const now = await this.now()
    return createPresentation({ holder: holder.jwt, credentials, audience, challenge, binding, issuedAt: now, validUntil: now + 3_600 })
  }

  async close(): Promise<void> {
    await this.index.close()
    await this.rpc.close()
    await this.chain.close()
    rmSync(this.dir, { recursive: true, force: true })
  }
}
