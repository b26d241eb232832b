/**
 * Agreement: four `grid-did attest serve` processes, each with its own home and so its own
 * ChainIndex, follow one dev chain over JSON-RPC. Asked the same request they sign the same typed
 * data (four distinct signers, three of which the deployed gate accepts in one transaction); after
 * a revocation anchored at height h, all four refuse at heights >= h and still attest at h - 1.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, custom, parseEventLogs, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GATE_ARTIFACT, chainBidTerms, consumerAudience, deployGate, recoverAttestors, type RoleAttestation } from 'grid-did/gate'
import { termsDigest, type RoleRequirement } from '../../src/index.js'
import { writeAccountKeystore } from '../../src/cli/keystore.js'
import { PASS, bin } from '../cli/run-cli.js'
import { LedgerWorld } from './ledger-world.js'

const KEYS = ['a1', 'a2', 'a3', 'a4'].map((b) => `0x${b.repeat(32)}` as Hex)
const ATTESTORS = KEYS.map((k) => privateKeyToAccount(k))
const CONSUMER = privateKeyToAccount(`0x${'c5'.repeat(32)}`)
const ADMIN: Hex = `0x${'ad'.repeat(32)}`
const CHALLENGE = 'fedcba9876543210fedcba9876543210'
const EVENT: Hex = `0x${'e1'.repeat(32)}`
const REQ: RoleRequirement = { role: 'user', action: 'response.bid', capacityKw: 120 }

interface Attested {
  attestation: Record<string, string>
  signature: Hex
  attestor: Address
  typedData: unknown
  height: number
  time: number
}

function attestationOf(json: Record<string, string>): RoleAttestation {
  return {
    ...json,
    capacityW: BigInt(json.capacityW!),
    licensedW: BigInt(json.licensedW!),
    height: BigInt(json.height!),
    expiry: BigInt(json.expiry!),
  } as unknown as RoleAttestation
}

/** Starts `grid-did attest serve` on its own home and resolves with its URL once it listens. */
function startAttestor(home: string, args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; url: string }> {
  const child = spawn(process.execPath, [bin, '--home', home, '--json', ...args], { env: { ...process.env, GRID_DID_PASSPHRASE: PASS } })
  return new Promise((resolve, reject) => {
    let text = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString()
      try {
        resolve({ child, url: String((JSON.parse(text) as { url: string }).url) })
      } catch {
        // not complete yet
      }
    })
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.once('exit', (code) => reject(new Error(`attest serve exited with ${code}: ${err}`)))
  })
}

describe('four attestor processes agree', { timeout: 120_000 }, () => {
  let w: LedgerWorld
  let gate: Address
  const running: { child: ChildProcessWithoutNullStreams; url: string }[] = []
  let vc: string
  let request: Record<string, unknown>

  /** Waits until every attestor's index has reached `height` (each syncs every 100 ms). */
  async function synced(height: number): Promise<void> {
    for (const { url } of running) {
      for (;;) {
        const info = (await (await fetch(`${url}/1.0/attestor`)).json()) as { height: number }
        if (info.height >= height) break
        await new Promise((r) => setTimeout(r, 50))
      }
    }
  }

  const askAll = (extra: Record<string, unknown>) =>
    Promise.all(
      running.map(async ({ url }) => {
        const res = await fetch(`${url}/1.0/attestations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ...request, ...extra }),
        })
        return { status: res.status, body: (await res.json()) as Attested & { error?: string; reasons?: { code: string }[] } }
      }),
    )

  beforeAll(async () => {
    w = await LedgerWorld.create()
    const user = await w.party('user-1')
    vc = await w.issue('user', user.did)
    const terms = chainBidTerms({
      chainId: 1337,
      consumer: CONSUMER.address,
      event: EVENT,
      role: 'user',
      actingFor: user.did,
      capacityKw: 120,
      priceFen: 1200,
    })
    const vp = await w.present(user, [vc], consumerAudience(1337, CONSUMER.address), CHALLENGE, termsDigest(terms))
    request = { presentation: vp, requirement: REQ, consumer: CONSUMER.address, challenge: CHALLENGE, terms }
    gate = (
      await deployGate({ rpc: w.chain, account: ADMIN, attestors: ATTESTORS.map((a) => a.address), threshold: 3, maxAgeBlocks: 1_000 })
    ).address
    const ledger = `evm:${w.rpc.url}#${w.registry}`
    const started = await Promise.all(
      KEYS.map((k, i) => {
        const home = join(w.dir, `attestor-${i + 1}`)
        mkdirSync(home)
        const keystore = join(w.dir, `attestor-${i + 1}.json`)
        writeAccountKeystore(keystore, Buffer.from(k.slice(2), 'hex'), ATTESTORS[i]!.address, PASS)
        return startAttestor(home, [
          '--ledger',
          ledger,
          'attest',
          'serve',
          '--gate',
          gate,
          '--key',
          keystore,
          '--trust-registry',
          w.trustRegistry,
          '--port',
          '0',
          '--sync-interval',
          '100',
        ])
      }),
    )
    running.push(...started)
  }, 120_000)

  afterAll(async () => {
    await Promise.all(
      running.map(({ child }) => {
        if (child.exitCode !== null) return undefined
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        return exited
      }),
    )
    await w?.close()
  })

  it('sign identical typed data at one height; four distinct signers; three are accepted by the gate in one transaction', async () => {
    const height = await w.height()
    await synced(height)
    const answers = await askAll({ height })
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200])
    const [first] = answers
    for (const a of answers) {
      expect(a.body.attestation).toEqual(first!.body.attestation)
      expect(a.body.typedData).toEqual(first!.body.typedData)
      expect(a.body.height).toBe(height)
    }
    expect(answers.map((a) => a.body.attestor)).toEqual(ATTESTORS.map((a) => a.address))
    const attestation = attestationOf(first!.body.attestation)
    const signatures = answers.map((a) => a.body.signature)
    expect(await recoverAttestors({ chainId: 1337, gate }, attestation, signatures)).toEqual(ATTESTORS.map((a) => a.address))

    const client = createPublicClient({ transport: custom(w.chain) })
    const hash = await createWalletClient({ account: CONSUMER, transport: custom(w.chain) }).writeContract({
      address: gate,
      abi: GATE_ARTIFACT.abi,
      functionName: 'verify',
      args: [attestation, signatures.slice(1)],
      chain: null,
      gasPrice: 0n,
      gas: 1_000_000n,
    })
    const receipt = await client.waitForTransactionReceipt({ hash })
    expect(receipt.status).toBe('success')
    expect(receipt.gasUsed).toBeLessThan(100_000n) // the spec's figure: about 84,030 for k = 3 of 4
    const [event] = parseEventLogs({ abi: GATE_ARTIFACT.abi, logs: receipt.logs, eventName: 'RoleAttested' })
    expect(event!.args).toMatchObject({ consumer: CONSUMER.address, presentation: attestation.presentation, height: BigInt(height) })
  })

  it('after a revocation anchored at h, all four refuse at h and above with status-revoked and still attest at h - 1', async () => {
    await w.index.sync() // the world's index has not read the gate's transaction yet
    const before = await w.height()
    await w.status.revoke(vc)
    const h = await w.height()
    expect(h).toBe(before + 1) // the revocation is the one block h
    await w.party('someone-later') // h + 1
    await synced(h + 1)
    for (const height of [h, h + 1]) {
      const refused = await askAll({ height })
      expect(refused.map((a) => a.status)).toEqual([403, 403, 403, 403])
      for (const a of refused) {
        expect(a.body.error).toBe('ERR_GRID_ATTESTATION_REFUSED')
        expect(a.body.reasons!.map((r) => r.code)).toEqual(['status-revoked'])
        expect(a.body.height).toBe(height)
      }
    }
    const earlier = await askAll({ height: h - 1 })
    expect(earlier.map((a) => a.status)).toEqual([200, 200, 200, 200])
    expect(new Set(earlier.map((a) => JSON.stringify(a.body.typedData))).size).toBe(1)
    expect(earlier[0]!.body.attestation.height).toBe(String(h - 1))
    expect(
      await recoverAttestors(
        { chainId: 1337, gate },
        attestationOf(earlier[0]!.body.attestation),
        earlier.map((a) => a.body.signature),
      ),
    ).toEqual(ATTESTORS.map((a) => a.address))
  })
})
