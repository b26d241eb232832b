import type { Address, Hex, LocalAccount } from 'viem'
import { BaseError, ContractFunctionRevertedError, getAddress, isAddress } from '../ledger/peers/viem.js'
import { LedgerForbiddenError, LedgerRejectedError, LedgerUnavailableError } from '../errors.js'
import { messageOf } from '../lib/message.js'
import type { Eip1193Provider } from '../ledger/eip1193.js'
import { onNode, publicClientOf, walletClientOf } from '../ledger/evm/clients.js'
import { accountOf } from '../ledger/evm/options.js'
import { recoverAttestors, type GateDomain, type RoleAttestation } from './attestation.js'
import { GATE_ARTIFACT } from './gate-artifact.js'

const ABI = GATE_ARTIFACT.abi
const ADDED = ABI.find((e) => e.type === 'event' && e.name === 'AttestorAdded')!
const REMOVED = ABI.find((e) => e.type === 'event' && e.name === 'AttestorRemoved')!

/** Where a gate lives. */
export interface GateTarget {
  /** JSON-RPC endpoint URL or an EIP-1193 provider. */
  rpc: string | Eip1193Provider
  /** The `GridRoleGate` contract. */
  gate: string
}

/** A gate and the admin account that governs it. */
export interface GateAdminTarget extends GateTarget {
  /** The gate's admin: a private key or a viem local account. */
  account: Hex | LocalAccount
  /** How long to wait for the transaction, ms (default 60,000). */
  timeoutMs?: number
}

/** A gate's governance state, as {@link readGate} reads it. */
export interface GateState {
  gate: Address
  admin: Address
  /** The pending admin of a two-step transfer; undefined when none. */
  pendingAdmin?: Address
  /** The registered attestors, in the order they were (last) added. */
  attestors: Address[]
  threshold: number
  /** The freshness bound, blocks. */
  maxAge: number
}

/**
 * A gate's admin, attestors, threshold and maximum decision age. The attestor set is replayed from
 * the `AttestorAdded` / `AttestorRemoved` events (the contract keeps no list), read in windows of
 * `maxLogsRange` blocks from `fromBlock` (the gate's deployment block, when known), and each address
 * checked against `isAttestor`.
 *
 * @throws {TypeError} for a malformed address; `LedgerUnavailableError` when the node fails or
 *   no gate lives at the address.
 * @example
 * ```ts
 * const { attestors, threshold, maxAge } = await readGate({ rpc: 'http://127.0.0.1:8545', gate })
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#attestor-service
 */
export async function readGate(options: GateTarget & { fromBlock?: number; maxLogsRange?: number }): Promise<GateState> {
  const gate = addressOf(options?.gate, 'gate')
  const client = publicClientOf(options.rpc)
  const range = options.maxLogsRange ?? 5_000
  const from = options.fromBlock ?? 0
  if (!Number.isSafeInteger(range) || range < 1) throw new RangeError('maxLogsRange must be a positive integer')
  if (!Number.isSafeInteger(from) || from < 0) throw new RangeError('fromBlock must be a non-negative integer')
  return onNode('readGate', async () => {
    const code = await client.getCode({ address: gate })
    if (code === undefined || code === '0x') throw new LedgerUnavailableError(`no contract at ${gate}`)
    const view = (functionName: string, args: readonly unknown[] = []) =>
      client.readContract({ address: gate, abi: ABI, functionName, args } as never) as Promise<unknown>
    const [admin, pendingAdmin, threshold, maxAge] = await Promise.all([
      view('admin'),
      view('pendingAdmin'),
      view('threshold'),
      view('maxAge'),
    ])
    const latest = Number(await client.getBlockNumber())
    const order: Address[] = []
    for (let lo = from; lo <= latest; lo += range) {
      const logs = await client.getLogs({
        address: gate,
        events: [ADDED, REMOVED] as never,
        fromBlock: BigInt(lo),
        toBlock: BigInt(Math.min(latest, lo + range - 1)),
      })
      for (const log of logs as unknown as { eventName: string; args: { attestor: Address } }[]) {
        const at = order.indexOf(log.args.attestor)
        if (at >= 0) order.splice(at, 1)
        if (log.eventName === 'AttestorAdded') order.push(log.args.attestor)
      }
    }
    const registered = await Promise.all(order.map((a) => view('isAttestor', [a]) as Promise<boolean>))
    const pending = pendingAdmin as Address
    return {
      gate,
      admin: admin as Address,
      ...(/^0x0{40}$/.test(pending) ? {} : { pendingAdmin: pending }),
      attestors: order.filter((_, i) => registered[i]),
      threshold: Number(threshold),
      maxAge: Number(maxAge),
    }
  })
}

/** What a governance transaction did. */
export interface GateTransaction {
  transactionHash: Hex
  blockNumber: number
}

/**
 * Registers an attestor (admin only; emits `AttestorAdded` unless it was registered already).
 * @throws {LedgerForbiddenError} (`ERR_GRID_LEDGER_FORBIDDEN`) when the account is not the admin
 *   (the gate's `NotAdmin`); {@link LedgerRejectedError} when the gate refuses the change (its error
 *   named in the message); `LedgerUnavailableError` when the node fails.
 * @example
 * ```ts
 * await addAttestor({ rpc, account: adminKey, gate }, '0x…')
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#attestor-service
 */
export function addAttestor(target: GateAdminTarget, attestor: string): Promise<GateTransaction> {
  return transact(target, 'addAttestor', [addressOf(attestor, 'attestor')])
}

/**
 * Unregisters an attestor (admin only). The gate refuses (`BadThreshold`) when fewer attestors than
 * the threshold would remain: lower the threshold first. Errors as {@link addAttestor}.
 * @example
 * ```ts
 * await removeAttestor({ rpc, account: adminKey, gate }, '0x…')
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#attestor-service
 */
export function removeAttestor(target: GateAdminTarget, attestor: string): Promise<GateTransaction> {
  return transact(target, 'removeAttestor', [addressOf(attestor, 'attestor')])
}

/**
 * Sets how many distinct registered attestors a decision needs (1 ≤ k ≤ attestors). Errors as {@link addAttestor}.
 * @example
 * ```ts
 * await setThreshold({ rpc, account: adminKey, gate }, 3)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#attestor-service
 */
export function setThreshold(target: GateAdminTarget, threshold: number): Promise<GateTransaction> {
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError('threshold must be a positive integer')
  return transact(target, 'setThreshold', [BigInt(threshold)])
}

/**
 * Sets the freshness bound: how many blocks old a decision may be when the gate accepts it. Errors as {@link addAttestor}.
 * @example
 * ```ts
 * await setMaxAge({ rpc, account: adminKey, gate }, 20)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#attestor-service
 */
export function setMaxAge(target: GateAdminTarget, maxAgeBlocks: number): Promise<GateTransaction> {
  if (!Number.isSafeInteger(maxAgeBlocks) || maxAgeBlocks < 1 || maxAgeBlocks > Number.MAX_SAFE_INTEGER)
    throw new RangeError('maxAgeBlocks must be a positive integer')
  return transact(target, 'setMaxAge', [BigInt(maxAgeBlocks)])
}

/** What {@link verifyAttestation} checks against: the gate's state, and optionally the block that would use the decision. */
export interface VerifyAttestationOptions {
  /** The registered attestors (e.g. `readGate(…).attestors`). */
  attestors: readonly string[]
  threshold: number
  /** The gate's freshness bound, blocks; checked with `blockNumber`. */
  maxAge?: number
  /** The block that would use the decision: the height may not be above it (nor older than `maxAge`). */
  blockNumber?: number
  /** That block's time, Unix seconds: the attestation must not be expired. */
  time?: number
}

/** The outcome of {@link verifyAttestation}. */
export interface AttestationVerification {
  ok: boolean
  /** The distinct registered attestors that signed, in signature order. */
  signers: Address[]
  /** Why the gate would refuse it, with the codes of its errors (`not-enough-signatures`, `height-ahead`, `too-old`, `expired`, `bad-signature`). */
  reasons: { code: 'not-enough-signatures' | 'height-ahead' | 'too-old' | 'expired' | 'bad-signature'; message: string }[]
}

/**
 * Checks an attestation off chain the way the gate's `verify` does, without a transaction: at least
 * `threshold` distinct registered signers and, when given, freshness and expiry. What the gate also
 * checks on chain and this cannot: the caller is the consumer, and the presentation is new for it.
 *
 * @throws {TypeError} / {RangeError} for a malformed attestation, domain or options.
 * @example
 * ```ts
 * const state = await readGate({ rpc, gate })
 * const { ok, signers, reasons } = await verifyAttestation({ chainId, gate }, attestation, signatures, state)
 * ```
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#attestor-service
 */
export async function verifyAttestation(
  domain: GateDomain,
  attestation: RoleAttestation,
  signatures: readonly Hex[],
  options: VerifyAttestationOptions,
): Promise<AttestationVerification> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be { attestors, threshold }')
  if (!Array.isArray(options.attestors)) throw new TypeError('options.attestors must be an array of addresses')
  const registered = new Set(options.attestors.map((a) => addressOf(a, 'each attestor')))
  const { threshold, maxAge, blockNumber, time } = options
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new RangeError('options.threshold must be a positive integer')
  for (const [name, value] of [
    ['maxAge', maxAge],
    ['blockNumber', blockNumber],
    ['time', time],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 0))
      throw new RangeError(`options.${name} must be a non-negative integer`)
  }
  if (!Array.isArray(signatures)) throw new TypeError('signatures must be an array')
  const reasons: AttestationVerification['reasons'] = []
  const signers: Address[] = []
  for (const [i, signature] of signatures.entries()) {
    let signer: Address
    try {
      ;[signer] = (await recoverAttestors(domain, attestation, [signature])) as [Address]
    } catch (err) {
      if (!(err instanceof TypeError) || !/signature/.test(err.message)) throw err
      reasons.push({ code: 'bad-signature', message: `signature ${i}: ${err.message}` })
      continue
    }
    if (registered.has(signer) && !signers.includes(signer)) signers.push(signer)
  }
  if (signers.length < threshold)
    reasons.push({
      code: 'not-enough-signatures',
      message: `${signers.length} distinct registered attestors signed; the gate needs ${threshold}`,
    })
  if (blockNumber !== undefined) {
    const height = Number(attestation.height)
    if (height > blockNumber) reasons.push({ code: 'height-ahead', message: `decided at height ${height}, above block ${blockNumber}` })
    else if (maxAge !== undefined && blockNumber - height > maxAge)
      reasons.push({ code: 'too-old', message: `decided at height ${height}, more than ${maxAge} blocks before block ${blockNumber}` })
  }
  if (time !== undefined && BigInt(time) > attestation.expiry)
    reasons.push({ code: 'expired', message: `expired at ${attestation.expiry}, before ${time}` })
  return { ok: reasons.length === 0, signers, reasons }
}

// -------------------------------------------------------------------------------------------------

function addressOf(value: unknown, name: string): Address {
  if (typeof value !== 'string' || !isAddress(value, { strict: false }))
    throw new TypeError(`${name} must be a 0x-prefixed 20-byte address`)
  return getAddress(value)
}

/**
 * Simulates the admin call (so a refusal is decoded and nothing is sent), then signs it locally
 * (legacy, gas price 0, as the registry's writes) and waits for its receipt.
 */
async function transact(
  target: GateAdminTarget,
  functionName: 'addAttestor' | 'removeAttestor' | 'setThreshold' | 'setMaxAge',
  args: readonly unknown[],
): Promise<GateTransaction> {
  if (typeof target !== 'object' || target === null) throw new TypeError('target must be { rpc, account, gate }')
  const gate = addressOf(target.gate, 'gate')
  const account = typeof target.account === 'string' ? accountOf(target.account) : target.account
  if (typeof account?.signTransaction !== 'function')
    throw new TypeError('account must be a 0x-prefixed 32-byte private key or a viem local account')
  const client = publicClientOf(target.rpc)
  const wallet = walletClientOf(target.rpc, account)
  const call = { address: gate, abi: ABI, functionName, args, account } as never
  try {
    await client.simulateContract(call)
  } catch (cause) {
    const revert = cause instanceof BaseError ? cause.walk((e) => e instanceof ContractFunctionRevertedError) : undefined
    if (revert instanceof ContractFunctionRevertedError && revert.data?.errorName) {
      const { errorName, args: values = [] } = revert.data
      const text = `${errorName}(${values.map(String).join(', ')})`
      if (errorName === 'NotAdmin')
        throw new LedgerForbiddenError(`account ${account.address} is not the admin of gate ${gate} (${text})`, { cause })
      throw new LedgerRejectedError(`gate ${gate} refused ${functionName}: ${text}`, [], { cause })
    }
    throw new LedgerUnavailableError(`${functionName} failed: ${messageOf(cause).split('\n')[0]}`, { cause })
  }
  return onNode(functionName, async () => {
    const hash = await wallet.writeContract({ ...(call as object), chain: null, type: 'legacy', gasPrice: 0n } as never)
    const receipt = await client.waitForTransactionReceipt({ hash, timeout: target.timeoutMs ?? 60_000 })
    if (receipt.status !== 'success')
      throw new LedgerUnavailableError(`${functionName} transaction ${hash} reverted in block ${receipt.blockNumber}`)
    return { transactionHash: hash, blockNumber: Number(receipt.blockNumber) }
  })
}
