/**
 * Health that tells the truth: `/health` reports each network's finalized and indexed heights, lag
 * and last sync, and answers 503 (with resolution `internalError`, never a stale 200) while the
 * chain is unreachable or the index lags beyond its bound; `/livez` stays 200.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LedgerUnavailableError } from '../../src/errors.js'
import { ChainIndex } from '../../src/ledger/chain-index.js'
import type { Eip1193Provider } from '../../src/ledger/eip1193.js'
import { EvmLedger } from '../../src/ledger/evm.js'
import { serveRpc, type RpcServer } from '../../src/ledger/rpc-server.js'
import { createDid } from '../../src/method/create.js'
import { Ed25519KeyPair } from '../../src/method/keys.js'
import { GridResolver } from '../../src/resolver/resolver.js'
import { createHandler } from '../../src/server/handler.js'
import { bin, PASS } from '../cli/run-cli.js'
import { devRegistry, type DevRegistry } from '../ledger/evm-harness.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-health-'))

async function newDid(network = 'sgcc'): Promise<{ did: string; bytes: Uint8Array }> {
  const key = Ed25519KeyPair.generate()
  const op = await createDid({
    network,
    updateKey: key,
    recoveryKey: Ed25519KeyPair.generate().publicKeyMultibase,
    document: {
      verificationMethods: [{ id: 'key-1', type: 'Multikey', publicKeyMultibase: key.publicKeyMultibase, purposes: ['authentication'] }],
    },
  })
  return { did: op.did, bytes: op.bytes }
}

interface NetworkHealth {
  status: string
  finalizedHeight: number
  indexedHeight: number
  lag: number
  lastSync: string | null
  error?: string
  code?: string
}
type Health = { status: string; networks: Record<string, NetworkHealth> }

let reg: DevRegistry
beforeAll(async () => {
  reg = await devRegistry()
})
afterAll(async () => {
  await reg.close()
})

describe('/health over a chain index', { timeout: 120_000 }, () => {
  it('reports the lag, is 503 with resolution internalError beyond maxLag or while syncs fail, and recovers', async () => {
    const { did, bytes } = await newDid()
    await reg.ledger().submit([bytes])
    let failLogs = false
    let logs = 0
    const provider: Eip1193Provider = {
      request: async (args) => {
        if (args.method === 'eth_getLogs' && failLogs && ++logs > 1) throw new Error('connection refused')
        return reg.provider.request(args)
      },
    }
    const index = new ChainIndex(join(dir, 'lag.db'), new EvmLedger({ rpc: provider, registry: reg.registry }), {
      create: true,
      stepBlocks: 1,
      maxLag: 2,
    })
    try {
      await index.sync()
      const handler = createHandler({ resolver: new GridResolver({ networks: { sgcc: index } }), syncStatus: () => index.syncStatus() })
      const get = async (path: string) => handler(new Request(`http://localhost${path}`))
      const healthy = await get('/health')
      expect(healthy.status).toBe(200)
      const body = (await healthy.json()) as Health
      expect(body.status).toBe('ok')
      expect(body.networks.sgcc).toMatchObject({ status: 'ok', lag: 0, indexedHeight: index.synced, finalizedHeight: index.synced })
      expect(Date.parse(body.networks.sgcc!.lastSync!)).toBeGreaterThan(0)
      expect((await get(`/1.0/identifiers/${did}`)).status).toBe(200)

      // The chain moves on by 6 blocks; the sync reads one of them, then the chain stops answering.
      await reg.mine(6)
      failLogs = true
      const error = await index.sync().catch((err: unknown) => err)
      expect(error).toBeInstanceOf(Error)
      const status = index.syncStatus()
      expect(status.lag).toBe(5)
      expect(status.fresh).toBe(false)
      const head = await index.head().catch((err: unknown) => err)
      expect(head).toBeInstanceOf(LedgerUnavailableError)
      expect((head as LedgerUnavailableError).code).toBe('ERR_GRID_LEDGER_UNAVAILABLE')
      const degraded = await get('/health')
      expect(degraded.status).toBe(503)
      const report = (await degraded.json()) as Health
      expect(report.status).toBe('degraded')
      expect(report.networks.sgcc).toMatchObject({ status: 'degraded', lag: 5, indexedHeight: status.indexedHeight })
      expect(report.networks.sgcc!.error).toMatch(/eth_getLogs failed/)
      const stale = await get(`/1.0/identifiers/${did}`)
      expect(stale.status).toBe(500)
      const result = (await stale.json()) as { didResolutionMetadata: { error: string; message: string } }
      expect(result.didResolutionMetadata.error).toBe('internalError')
      expect(result.didResolutionMetadata.message).toMatch(/cannot follow the chain/)
      expect((await get('/livez')).status).toBe(200)

      failLogs = false
      await index.sync()
      expect(index.syncStatus()).toMatchObject({ lag: 0, fresh: true, error: undefined })
      expect((await get('/health')).status).toBe(200)
      expect((await get(`/1.0/identifiers/${did}`)).status).toBe(200)
    } finally {
      await index.close()
    }
  })

  it('a spawned grid-did serve: RPC stopped → 503 and the error reported, resolution not a stale 200 → RPC back → healthy', async () => {
    const { did, bytes } = await newDid()
    await reg.ledger().submit([bytes])
    let rpc: RpcServer = await serveRpc(reg.chain, { port: 0 })
    const port = Number(new URL(rpc.url).port)
    const home = mkdtempSync(join(dir, 'home-'))
    const child = spawn(
      process.execPath,
      [bin, '--home', home, '--ledger', `evm:${rpc.url}#${reg.registry}`, 'serve', '--port', '0', '--network', 'sgcc'],
      {
        env: {
          ...process.env,
          GRID_DID_PASSPHRASE: PASS,
          GRID_DID_SYNC_INTERVAL: '20',
          GRID_DID_MAX_LAG: '2',
          GRID_DID_LOG_FORMAT: 'json',
        },
      },
    )
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()))
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          const m = /listening on (\S+)/.exec(c.toString())
          if (m) resolve(m[1]!)
        })
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)))
      })
      const health = async () => {
        const res = await fetch(`${url}/health`)
        return { status: res.status, body: (await res.json()) as Health }
      }
      /** Polls `/health` until it answers `status` (each poll a real request; no time bound asserted). */
      const until = async (status: number) => {
        let last = await health()
        while (last.status !== status) {
          await new Promise((r) => setTimeout(r, 20))
          last = await health()
        }
        return last
      }
      const ok = await until(200)
      expect(ok.body.networks.sgcc).toMatchObject({ status: 'ok', lag: 0 })
      expect((await fetch(`${url}/1.0/identifiers/${did}`)).status).toBe(200)

      await rpc.close()
      const down = await until(503)
      expect(down.body.status).toBe('degraded')
      expect(down.body.networks.sgcc).toMatchObject({ status: 'degraded', code: 'ERR_GRID_LEDGER_UNAVAILABLE' })
      expect(typeof down.body.networks.sgcc!.lag).toBe('number')
      expect(Date.parse(down.body.networks.sgcc!.lastSync!)).toBeGreaterThan(0)
      const stale = await fetch(`${url}/1.0/identifiers/${did}`)
      expect(stale.status).toBe(500)
      expect(((await stale.json()) as { didResolutionMetadata: { error: string } }).didResolutionMetadata.error).toBe('internalError')
      expect((await fetch(`${url}/livez`)).status).toBe(200)
      const line = stderr.split('\n').find((l) => l.includes('"sync failed"'))
      expect(line).toBeDefined()
      const logged = JSON.parse(line!) as Record<string, unknown>
      expect(logged).toMatchObject({ level: 'warn', msg: 'sync failed', networks: ['sgcc'], code: 'ERR_GRID_LEDGER_UNAVAILABLE' })
      expect(Date.parse(String(logged.time))).toBeGreaterThan(0)
      expect(logged.retryInMs).toBeGreaterThanOrEqual(20)

      rpc = await serveRpc(reg.chain, { port })
      const back = await until(200)
      expect(back.body.networks.sgcc).toMatchObject({ status: 'ok', lag: 0 })
      expect((await fetch(`${url}/1.0/identifiers/${did}`)).status).toBe(200)
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      await rpc.close()
    }
  })
})
