/**
 * A local anvil node (Foundry's EVM node, `@foundry-rs/anvil-linux-amd64`, a devDependency) run as
 * its own process, for the tests and the benchmarks that need a real node: real block production,
 * a real transaction pool, JSON-RPC over HTTP. Gas is free (gas price 0, base fee 0), as on a
 * consortium chain; the deployer is a fresh key the node funds.
 *
 * The node listens on 127.0.0.1 on a port it picks itself (`--port 0`, read from its log), and is
 * stopped by {@link AnvilNode.stop} (SIGTERM, then SIGKILL after 3 s) or, whatever happens to the
 * caller, killed when this process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'

/** Block gas limit of the nodes started here unless asked otherwise: 100 M gas per block. */
export const ANVIL_GAS_LIMIT = 100_000_000
/** The chain id of the nodes started here. */
export const ANVIL_CHAIN_ID = 41_720

export interface AnvilOptions {
  /** Seconds between blocks (interval mining); without it every transaction is mined at once (automine). */
  blockTime?: number
  /** Block gas limit (default {@link ANVIL_GAS_LIMIT}). */
  gasLimit?: number
  /** Genesis timestamp (Unix seconds; default: now). Later blocks advance from it with the wall clock. */
  timestamp?: number
  /**
   * Enforce EIP-7825's per-transaction gas cap of 2^24 = 16,777,216 (Osaka), as Besu does unless a
   * private network overrides it (default true).
   */
  txGasCap?: boolean
}

export interface AnvilNode {
  /** The JSON-RPC endpoint, `http://127.0.0.1:PORT`. */
  url: string
  chainId: number
  gasLimit: number
  blockTime: number | undefined
  /** A funded account's private key (fresh for every node). */
  deployer: `0x${string}`
  /** One JSON-RPC call; a JSON-RPC error is thrown as an Error carrying its code. */
  rpc(method: string, params?: readonly unknown[]): Promise<unknown>
  /** Stops the node (SIGTERM, then SIGKILL) and waits until it has exited. */
  stop(): Promise<void>
}

/** The anvil binary of the devDependency, or the reason it cannot run on this machine. */
export function anvilBinary(): { path: string } | { unavailable: string } {
  if (process.platform !== 'linux' || process.arch !== 'x64')
    return { unavailable: `anvil is installed for linux-x64 only (this is ${process.platform}-${process.arch})` }
  let path: string
  try {
    const pkg = createRequire(import.meta.url).resolve('@foundry-rs/anvil-linux-amd64/package.json')
    path = join(dirname(pkg), 'bin', 'anvil')
  } catch {
    return { unavailable: 'devDependency @foundry-rs/anvil-linux-amd64 is not installed' }
  }
  return existsSync(path) ? { path } : { unavailable: `anvil binary missing at ${path}` }
}

/** Why anvil cannot run here, or undefined when it can: what a test prints when it skips. */
export function anvilUnavailable(): string | undefined {
  const bin = anvilBinary()
  return 'unavailable' in bin ? bin.unavailable : undefined
}

/** Starts a node, waits until it answers JSON-RPC, and funds a fresh deployer key. */
export async function startAnvil(options: AnvilOptions = {}): Promise<AnvilNode> {
  const bin = anvilBinary()
  if ('unavailable' in bin) throw new Error(`cannot start anvil: ${bin.unavailable}`)
  const gasLimit = options.gasLimit ?? ANVIL_GAS_LIMIT
  const args = [
    ...['--host', '127.0.0.1', '--port', '0', '--accounts', '0', '--color', 'never'],
    ...['--chain-id', String(ANVIL_CHAIN_ID), '--gas-limit', String(gasLimit)],
    ...['--gas-price', '0', '--base-fee', '0', '--disable-min-priority-fee'],
    ...(options.blockTime === undefined ? [] : ['--block-time', String(options.blockTime)]),
    ...(options.timestamp === undefined ? [] : ['--timestamp', String(options.timestamp)]),
    ...(options.txGasCap === false ? [] : ['--enable-tx-gas-limit']),
  ]
  const child = spawn(bin.path, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const kill = () => child.kill('SIGKILL')
  process.once('exit', kill)
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  exited.then(() => process.off('exit', kill))
  let url: string
  try {
    url = await listening(child, exited)
  } catch (err) {
    kill()
    throw err
  }
  let id = 0
  const rpc = async (method: string, params: readonly unknown[] = []) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }),
    })
    const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string } }
    if (body.error) throw Object.assign(new Error(`${method}: ${body.error.message}`), { code: body.error.code })
    return body.result
  }
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(kill, 3000)
    await exited
    clearTimeout(timer)
  }
  try {
    await ready(rpc)
    const deployer = generatePrivateKey()
    await rpc('anvil_setBalance', [privateKeyToAccount(deployer).address, '0x3635c9adc5dea00000'])
    return { url, chainId: ANVIL_CHAIN_ID, gasLimit, blockTime: options.blockTime, deployer, rpc, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** The URL the node prints once it listens; rejects if it exits first or stays silent for 20 s. */
function listening(child: ChildProcess, exited: Promise<void>): Promise<string> {
  return new Promise((resolve, reject) => {
    let log = ''
    let found = false
    const timer = setTimeout(() => reject(new Error(`anvil did not start within 20 s:\n${log.slice(-2000)}`)), 20_000)
    const read = (chunk: Buffer) => {
      // Past the line wanted, the pipes are still drained (a full pipe would block the node), not kept.
      if (found) return
      log += chunk.toString('utf8')
      const match = /Listening on (127\.0\.0\.1:\d+)/.exec(log)
      if (match) {
        found = true
        clearTimeout(timer)
        resolve(`http://${match[1]}`)
      }
    }
    child.stdout!.on('data', read)
    child.stderr!.on('data', read)
    child.once('error', (err) => reject(err))
    exited.then(() => reject(new Error(`anvil exited (code ${child.exitCode}) before listening:\n${log.slice(-2000)}`)))
  })
}

/** Waits until the node answers `eth_chainId` with the chain id it was given. */
async function ready(rpc: AnvilNode['rpc']): Promise<void> {
  const deadline = Date.now() + 20_000
  for (;;) {
    let reason: unknown
    try {
      const chainId = Number(await rpc('eth_chainId'))
      if (chainId === ANVIL_CHAIN_ID) return
      reason = new Error(`anvil answered chain id ${chainId}, not ${ANVIL_CHAIN_ID}`)
    } catch (err) {
      reason = err
    }
    if (Date.now() > deadline) throw reason
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
