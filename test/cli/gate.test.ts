/**
 * The role gate from the CLI: `grid-did chain --attestor … --threshold K` deploys it beside the
 * registry; `grid-did gate deploy | info | attestor add/remove | threshold | max-age` govern it with
 * the admin's EVM keystore; a non-admin is refused with the gate's own error.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeFunctionResult, encodeFunctionData, type Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEMAND_RESPONSE_ARTIFACT } from '../../src/gate/contracts.js'
import { PASS, bin, runCli, type Run } from './run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-gate-cli-'))
const home = join(dir, 'home')
const f = (name: string) => join(dir, name)
// Attestor addresses (their keys are not needed to govern the gate); all digits, so already EIP-55.
const A = [
  '0x1111111111111111111111111111111111111111',
  '0x2222222222222222222222222222222222222222',
  '0x3333333333333333333333333333333333333333',
  '0x4444444444444444444444444444444444444444',
]
const FIFTH = '0x5555555555555555555555555555555555555555'

const cli = (args: string[]): Promise<Run> => runCli(home, dir, args)

async function ok(args: string[]): Promise<string> {
  const run = await cli(args)
  expect(run.stderr, args.join(' ')).toBe('')
  expect(run.code, `${args.join(' ')}\n${run.stderr}`).toBe(0)
  return run.stdout
}

/** Starts a long-running command and resolves with its first complete JSON output. */
function start(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; out: Record<string, unknown> }> {
  const child = spawn(process.execPath, [bin, '--home', home, '--json', ...args], {
    cwd: dir,
    env: { ...process.env, GRID_DID_PASSPHRASE: PASS },
  })
  return new Promise((resolve, reject) => {
    let text = ''
    let err = ''
    child.stdout.on('data', (c: Buffer) => {
      text += c.toString()
      try {
        resolve({ child, out: JSON.parse(text) as Record<string, unknown> })
      } catch {
        // not complete yet
      }
    })
    child.stderr.on('data', (c: Buffer) => (err += c.toString()))
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${err}`)))
  })
}

describe('grid-did gate', { timeout: 120_000 }, () => {
  let chain: ChildProcessWithoutNullStreams | undefined
  let rpc: string
  let gate: string
  let demandResponse: string
  let settlement: string
  let admin: string
  let outsider: string

  beforeAll(async () => {
    admin = await ok(['key', 'generate', '--type', 'evm', '--out', f('admin.json')])
    outsider = await ok(['key', 'generate', '--type', 'evm', '--out', f('outsider.json')])
    const started = await start([
      'chain',
      '--port',
      '0',
      '--writer',
      outsider,
      '--admin-key',
      f('admin.json'),
      ...A.flatMap((a) => ['--attestor', a]),
      '--threshold',
      '3',
    ])
    chain = started.child
    rpc = String(started.out.rpc)
    gate = String(started.out.gate)
    demandResponse = String(started.out.demandResponse)
    settlement = String(started.out.settlement)
    expect(started.out).toMatchObject({ attestors: A, threshold: 3 })
  }, 120_000)

  afterAll(async () => {
    if (chain && chain.exitCode === null) {
      const exited = new Promise((r) => chain!.once('exit', r))
      chain.kill('SIGTERM')
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  })

  it('`chain --attestor … --threshold` deploys the gate beside the registry; `gate info` reads it', async () => {
    expect(gate).toMatch(/^0x[0-9a-fA-F]{40}$/)
    // The reference contracts consume this gate (their immutable `gate`).
    for (const [name, address] of [
      ['demandResponse', demandResponse],
      ['settlement', settlement],
    ] as const) {
      expect(address, name).toMatch(/^0x[0-9a-fA-F]{40}$/)
      const data = encodeFunctionData({ abi: DEMAND_RESPONSE_ARTIFACT.abi, functionName: 'gate' })
      const res = (await (
        await fetch(rpc, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: address, data }, 'latest'] }),
        })
      ).json()) as { result: Hex }
      expect(decodeFunctionResult({ abi: DEMAND_RESPONSE_ARTIFACT.abi, functionName: 'gate', data: res.result })).toBe(gate)
    }
    const info = JSON.parse(await ok(['--json', 'gate', 'info', '--rpc', rpc, '--gate', gate]))
    expect(info).toEqual({ gate, admin, attestors: A, threshold: 3, maxAge: 20 })
    expect(await ok(['gate', 'info', '--rpc', rpc, '--gate', gate])).toBe(
      [`gate ${gate}, admin ${admin}`, 'threshold 3 of 4; decisions at most 20 blocks old', ...A.map((a) => `attestor ${a}`)].join('\n'),
    )
    const noThreshold = await cli(['chain', '--port', '0', '--writer', outsider, '--attestor', A[0]!])
    expect(noThreshold.code).toBe(2)
    expect(noThreshold.stderr).toBe('grid-did: --attestor needs --threshold K: how many distinct attestors a decision needs')
  })

  it('the admin adds and removes attestors and sets the threshold and the maximum age', async () => {
    const common = ['--rpc', rpc, '--gate', gate, '--key', f('admin.json')]
    expect(await ok(['gate', 'attestor', 'add', FIFTH, ...common])).toMatch(
      new RegExp(`^${FIFTH} registered \\(block \\d+\\); threshold 3 of 5, max age 20 blocks$`),
    )
    expect(await ok(['gate', 'attestor', 'remove', A[0]!, ...common])).toMatch(
      / unregistered \(block \d+\); threshold 3 of 4, max age 20 blocks$/,
    )
    expect(await ok(['gate', 'threshold', '4', ...common])).toMatch(
      /^threshold set to 4 \(block \d+\); threshold 4 of 4, max age 20 blocks$/,
    )
    const maxAge = JSON.parse(await ok(['--json', 'gate', 'max-age', '5', ...common]))
    expect(maxAge).toMatchObject({ threshold: 4, maxAge: 5, attestors: [...A.slice(1), FIFTH] })
    expect(maxAge.transactionHash).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('a non-admin is refused NotAdmin; a change the gate refuses is named; bad arguments are usage errors', async () => {
    const common = ['--rpc', rpc, '--gate', gate]
    const notAdmin = await cli(['gate', 'threshold', '2', ...common, '--key', f('outsider.json')])
    expect(notAdmin.code).toBe(1)
    expect(notAdmin.stderr).toBe(
      `grid-did: account ${outsider} is not the admin of gate ${gate} (NotAdmin(${outsider})) (ERR_GRID_LEDGER_FORBIDDEN)`,
    )
    const tooHigh = await cli(['gate', 'threshold', '9', ...common, '--key', f('admin.json')])
    expect(tooHigh.code).toBe(1)
    expect(tooHigh.stderr).toBe(`grid-did: gate ${gate} refused setThreshold: BadThreshold(9, 4) (ERR_GRID_LEDGER_REJECTED)`)
    const zero = await cli(['gate', 'max-age', '0', ...common, '--key', f('admin.json')])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toBe('grid-did: max-age must be an integer from 1, got "0"')
    const embedded = await cli([
      'attest',
      'serve',
      '--gate',
      gate,
      '--key',
      f('admin.json'),
      '--trust-registry',
      'did:grid:sgcc:x/resources/trust-registry',
    ])
    expect(embedded.code).toBe(2)
    expect(embedded.stderr).toBe(
      'grid-did: `attest serve` follows a chain: pass --ledger evm:<rpc-url>#<registry> (or set $GRID_DID_LEDGER)',
    )
    const badGate = await cli(['gate', 'info', '--rpc', rpc, '--gate', '0x12'])
    expect(badGate.code).toBe(2)
    expect(badGate.stderr).toBe('grid-did: --gate must be a 0x-prefixed 20-byte address, got "0x12"')
  })

  it('`gate deploy` deploys another gate with its attestors, threshold and maximum age', async () => {
    const deployed = JSON.parse(
      await ok([
        '--json',
        'gate',
        'deploy',
        '--rpc',
        rpc,
        '--key',
        f('admin.json'),
        '--attestor',
        A[0]!,
        '--attestor',
        A[1]!,
        '--threshold',
        '2',
        '--max-age',
        '7',
      ]),
    )
    expect(deployed.address).toMatch(/^0x[0-9a-fA-F]{40}$/)
    expect(deployed.address).not.toBe(gate)
    const info = JSON.parse(await ok(['--json', 'gate', 'info', '--rpc', rpc, '--gate', deployed.address]))
    expect(info).toMatchObject({ admin, threshold: 2, maxAge: 7 })
    expect(info.attestors).toEqual([A[0], A[1]])
    const tooMany = await cli(['gate', 'deploy', '--rpc', rpc, '--key', f('admin.json'), '--attestor', A[0]!, '--threshold', '2'])
    expect(tooMany.code).toBe(2)
    expect(tooMany.stderr).toBe('grid-did: --threshold must be an integer from 1 to 1, got "2"')
  })
})
