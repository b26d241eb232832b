/**
 * Scale-out: two endpoint processes (`grid-did serve`, each with its own home and its own index of
 * the chain) behind what would be a load balancer, on one chain (the in-process dev chain served
 * over HTTP). At the same finalized height they give byte-identical answers with identical ETags,
 * so a client (or a cache) can be sent to either.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GridResolver, anchorResource, createDid, deactivateDid, updateDid } from '../../src/index.js'
import { ChainIndex } from '../../src/ledger/chain-index.js'
import { createDevChain, type DevChain } from '../../src/ledger/devchain.js'
import { EvmLedger, deployRegistry } from '../../src/ledger/evm.js'
import { serveRpc, type RpcServer } from '../../src/ledger/rpc-server.js'
import { bin } from '../cli/run-cli.js'
import { WRITER } from '../gate/ledger-world.js'
import { key, vm } from '../helpers.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-scale-out-'))
let chain: DevChain
let rpc: RpcServer
let index: ChainIndex
let resolver: GridResolver
const endpoints: { child: ChildProcessWithoutNullStreams; url: string }[] = []

/** `grid-did serve` on a fresh home that names only its network and the chain: resolves with its base URL. */
function startEndpoint(name: string, ledger: string): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const home = join(dir, name)
  mkdirSync(home)
  writeFileSync(join(home, 'config.json'), JSON.stringify({ networks: ['sgcc'] }))
  const child = spawn(process.execPath, [
    bin,
    '--home',
    home,
    '--json',
    '--ledger',
    ledger,
    'serve',
    '--port',
    '0',
    '--sync-interval',
    '50',
  ])
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('\n')) resolve({ child, url: String(JSON.parse(out).url) })
    })
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)))
  })
}

/** Waits until every endpoint's index is at the chain's finalized height (polls /health). */
async function caughtUp(): Promise<number> {
  await index.sync()
  const target = (await index.head()).finalizedHeight
  for (const { url } of endpoints) {
    let height = -1
    for (let i = 0; i < 400 && height !== target; i++) {
      const health = (await (await fetch(`${url}/health`)).json()) as { networks: { sgcc?: { finalizedHeight?: number } } }
      height = health.networks.sgcc?.finalizedHeight ?? -1
      if (height !== target) await new Promise((r) => setTimeout(r, 25))
    }
    expect(height, url).toBe(target)
  }
  return target
}

/** The same request to every endpoint: status, content type, ETag and body, which must all agree. */
async function same(path: string, headers: Record<string, string> = {}) {
  const answers = await Promise.all(
    endpoints.map(async ({ url }) => {
      const res = await fetch(`${url}${path}`, { headers })
      return { status: res.status, type: res.headers.get('content-type'), etag: res.headers.get('etag'), body: await res.text() }
    }),
  )
  expect(answers[1], path).toEqual(answers[0])
  return answers[0]!
}

const id = (didUrl: string) => `/1.0/identifiers/${encodeURIComponent(didUrl)}`
const make = async (label: string) => {
  const op = await createDid({
    network: 'sgcc',
    updateKey: key(`${label}-u`),
    recoveryKey: key(`${label}-r`),
    nonce: `${label}-nonce`.padEnd(16, '_'),
    document: {
      verificationMethods: [vm('key-1', key(`${label}-s`))],
      services: [{ id: 'dr', type: 'DemandResponse', serviceEndpoint: 'https://dr.example/api/' }],
    },
  })
  await index.submit([op.bytes])
  return op.did
}

describe('two endpoints, each with its own index, on one chain', { timeout: 60_000 }, () => {
  let ledger = ''
  const dids: Record<string, string> = {}

  beforeAll(async () => {
    chain = await createDevChain()
    rpc = await serveRpc(chain, { port: 0 })
    const registry = (await deployRegistry({ rpc: chain, account: WRITER })).address
    ledger = `evm:${rpc.url}#${registry}`
    index = new ChainIndex(join(dir, 'writer.db'), new EvmLedger({ rpc: chain, registry, account: WRITER }), { create: true })
    resolver = new GridResolver({ networks: { sgcc: index } })
    dids.live = await make('live')
    dids.gone = await make('gone')
    await index.submit([(await deactivateDid(await resolver.resolveState(dids.gone), key('gone-r'))).bytes])
    await anchorResource({ did: dids.live, signer: key('live-s') }, { ledger: index, resolver }, 'tariffs', 'TariffTable', { peak: 15 })
    endpoints.push(...(await Promise.all([startEndpoint('a', ledger), startEndpoint('b', ledger)])))
  }, 60_000)

  afterAll(async () => {
    await Promise.all(
      endpoints.map(({ child }) => (child.exitCode !== null ? undefined : new Promise((r) => child.once('exit', r).kill('SIGTERM')))),
    )
    await index?.close()
    await rpc?.close()
    await chain?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  const paths = () => [
    id(dids.live!),
    id(dids.gone!),
    id(`${dids.live}#key-1`),
    id(`${dids.live}/resources/tariffs`),
    id(`${dids.live}?versionId=1`),
    id(`did:grid:sgcc:${'a'.repeat(51)}q`),
    '/1.0/properties',
  ]

  it('answer alike at the same finalized height: bodies, statuses and ETags', async () => {
    const height = await caughtUp()
    expect(height).toBeGreaterThan(0)
    const first: Record<string, string | null> = {}
    for (const path of paths()) {
      for (const accept of ['application/did-resolution', 'application/did+json']) {
        const answer = await same(path, { accept })
        if (path.startsWith('/1.0/identifiers/')) expect(answer.status, path).toBeLessThan(500)
        first[`${accept} ${path}`] = answer.etag
      }
    }
    expect((await same(id(dids.live!))).status).toBe(200)
    expect((await same(id(dids.gone!))).status).toBe(410)
    const etag = first[`application/did-resolution ${id(dids.live!)}`]!
    expect(etag).toMatch(new RegExp(`^"${height}-`))
    // An ETag from one endpoint revalidates at the other.
    const other = await fetch(`${endpoints[1]!.url}${id(dids.live!)}`, {
      headers: { accept: 'application/did-resolution', 'if-none-match': etag },
    })
    expect(other.status).toBe(304)

    // The chain moves on: both follow it, and agree again at the new height, with new ETags.
    await index.submit([
      (
        await updateDid(await resolver.resolveState(dids.live!), key('live-u'), {
          patches: [{ action: 'set-also-known-as', alsoKnownAs: ['https://new.example'] }],
        })
      ).bytes,
    ])
    const next = await caughtUp()
    expect(next).toBeGreaterThan(height)
    const moved = await same(id(dids.live!), { accept: 'application/did-resolution' })
    expect(JSON.parse(moved.body).didDocumentMetadata.versionId).toBe('2')
    expect(moved.etag).toMatch(new RegExp(`^"${next}-`))
    for (const path of paths()) await same(path, { accept: 'application/did+json' })
  })
})
