/**
 * The registry contract itself (contracts/GridDidRegistry.sol), spoken to directly with viem on an
 * in-process EVM (EDR): the committed artifact, the writer allow-list and admin transfer, the input
 * checks, batches up to the cap and the per-key change chain readers walk.
 */
import { createHash } from 'node:crypto'
import { base32 } from 'multiformats/bases/base32'
import {
  decodeErrorResult,
  decodeEventLog,
  decodeFunctionResult,
  encodeFunctionData,
  keccak256,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { compileRegistry } from '../../scripts/registry-build.js'
import { updateDid, foldOperations, LedgerUnavailableError, type EncodedOperation } from '../../src/index.js'
import { deployRegistry } from '../../src/ledger/evm.js'
import { REGISTRY_ARTIFACT } from '../../src/ledger/registry-artifact.js'
import { ANCHORED } from '../../src/ledger/evm/abi.js'
import { parseLog } from '../../src/ledger/evm/log.js'
import { newDid } from '../helpers.js'
import { devRegistry, type DevRegistry } from './evm-harness.js'

const ABI = REGISTRY_ARTIFACT.abi

interface RawLog {
  address: Hex
  topics: [Hex, ...Hex[]]
  data: Hex
  blockNumber: Hex
}

interface Event {
  eventName: string
  args: Record<string, unknown>
  blockNumber: number
}

interface Sent {
  status: Hex
  blockNumber: number
  events: Event[]
}

const open: DevRegistry[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((dev) => dev.close()))
})

async function fresh(options: Parameters<typeof devRegistry>[0] = {}): Promise<DevRegistry> {
  const dev = await devRegistry(options)
  open.push(dev)
  return dev
}

const addr = (key: Hex): Address => privateKeyToAccount(key).address
const hex = (n: number): Hex => `0x${n.toString(16)}`
const keyOf = (suffix: string): Hex => `0x${Buffer.from(base32.baseDecode(suffix)).toString('hex')}`
const digestOf = (bytes: Uint8Array): Hex => `0x${createHash('sha256').update(bytes).digest('hex')}`
const opHex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString('hex')}`

function decodeLog(log: RawLog): Event {
  const anchored = parseLog(log)
  if (anchored) {
    // The anchoring log is not ABI-encoded (see the contract's ANCHORED).
    const { key, bytes, previousChange, position, time } = anchored
    const operation = opHex(bytes)
    const args = { key, digest: digestOf(bytes), previousChange: BigInt(previousChange), position, time: BigInt(time), operation }
    return { eventName: 'Anchored', args, blockNumber: Number(log.blockNumber) }
  }
  const { eventName, args } = decodeEventLog({ abi: ABI, topics: log.topics, data: log.data })
  return { eventName, args: { ...(args as Record<string, unknown>) }, blockNumber: Number(log.blockNumber) }
}

/** Signs a legacy transaction to the registry as `key` (gas price 0, explicit nonce and gas), sends it, returns its receipt's status and decoded logs. */
async function send(dev: DevRegistry, key: Hex, functionName: string, args: readonly unknown[], gas = 100_000_000n): Promise<Sent> {
  const account = privateKeyToAccount(key)
  const data = encodeFunctionData({ abi: ABI, functionName, args } as never)
  const nonce = Number(await dev.provider.request({ method: 'eth_getTransactionCount', params: [account.address, 'pending'] }))
  const raw = await account.signTransaction({
    type: 'legacy',
    chainId: dev.chain.chainId,
    nonce,
    gas,
    gasPrice: 0n,
    to: dev.registry,
    data,
    value: 0n,
  })
  const hash = (await dev.provider.request({ method: 'eth_sendRawTransaction', params: [raw] })) as Hex
  const receipt = (await dev.provider.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as {
    status: Hex
    blockNumber: Hex
    logs: RawLog[]
  }
  expect(receipt).not.toBeNull()
  return { status: receipt.status, blockNumber: Number(receipt.blockNumber), events: receipt.logs.map(decodeLog) }
}

/** `eth_call` as `from`, decoded with the function's outputs. */
async function call(dev: DevRegistry, from: Address | undefined, functionName: string, args: readonly unknown[] = []): Promise<unknown> {
  const data = encodeFunctionData({ abi: ABI, functionName, args } as never)
  const result = (await dev.provider.request({
    method: 'eth_call',
    params: [{ ...(from ? { from } : {}), to: dev.registry, data }, 'latest'],
  })) as Hex
  return decodeFunctionResult({ abi: ABI, functionName, data: result } as never)
}

/** `eth_call` as `from` that must revert (geth's shape: code 3, `execution reverted`); its custom error, decoded. */
async function revert(
  dev: DevRegistry,
  from: Address,
  functionName: string,
  args: readonly unknown[] = [],
): Promise<{ errorName: string; args: readonly unknown[] }> {
  let caught: unknown
  try {
    await call(dev, from, functionName, args)
  } catch (err) {
    caught = err
  }
  expect(caught).toBeInstanceOf(Error)
  const err = caught as Error & { code?: unknown; data?: unknown }
  expect(err.code).toBe(3)
  expect(err.message).toMatch(/^execution reverted/)
  expect(err.data).toMatch(/^0x[0-9a-f]{8}/)
  const { errorName, args: decoded } = decodeErrorResult({ abi: ABI, data: err.data as Hex })
  return { errorName, args: decoded ?? [] }
}

async function logsOf(dev: DevRegistry, from: number, to: number, topics: (Hex | null)[] = []): Promise<Event[]> {
  const logs = (await dev.provider.request({
    method: 'eth_getLogs',
    params: [{ address: dev.registry, fromBlock: hex(from), toBlock: hex(to), topics }],
  })) as RawLog[]
  return logs.map(decodeLog)
}

async function blockNumber(dev: DevRegistry): Promise<number> {
  return Number(await dev.provider.request({ method: 'eth_blockNumber', params: [] }))
}

/** `anchor` arguments for operations under their own keys. */
function anchorArgs(ops: readonly EncodedOperation[]): [Hex[], Hex[]] {
  return [ops.map((op) => keyOf(op.suffix)), ops.map((op) => opHex(op.bytes))]
}

describe('the committed artifact', () => {
  it('equals a fresh deterministic compile of contracts/GridDidRegistry.sol for paris', () => {
    const fresh = compileRegistry('paris')
    expect(fresh).toEqual({ ...REGISTRY_ARTIFACT })
    expect(REGISTRY_ARTIFACT.compiler).toMatch(/^solc 0\.8\.37\+/)
    expect(REGISTRY_ARTIFACT.evmVersion).toBe('paris')
    expect(REGISTRY_ARTIFACT.bytecode.startsWith('0x')).toBe(true)
    // The deployed code is the tail of the init code's output, not a stale copy.
    expect(REGISTRY_ARTIFACT.bytecode).toContain(REGISTRY_ARTIFACT.deployedBytecode.slice(2, 200))
  })

  it('anchors as a paris build on a paris chain and as a shanghai build on a shanghai chain; the shanghai build needs PUSH0', async () => {
    const shanghai = compileRegistry('shanghai')
    expect(shanghai.evmVersion).toBe('shanghai')
    expect(shanghai.bytecode).not.toBe(REGISTRY_ARTIFACT.bytecode)
    const builds = [
      { hardfork: 'paris' as const, artifact: compileRegistry('paris') },
      { hardfork: 'shanghai' as const, artifact: shanghai },
    ]
    for (const [i, { hardfork, artifact }] of builds.entries()) {
      const dev = await fresh({ hardfork, artifact })
      const { create } = await newDid(`fork-${i}`)
      const sent = await send(dev, dev.writer, 'anchor', anchorArgs([create]))
      expect(sent.status).toBe('0x1')
      expect(sent.events.map((e) => [e.eventName, e.args.key, e.args.digest])).toEqual([
        ['Anchored', keyOf(create.suffix), digestOf(create.bytes)],
      ])
    }
    // A paris chain has no PUSH0 (EIP-3855): the shanghai build cannot even be deployed there.
    const paris = await fresh({ hardfork: 'paris' })
    let caught: unknown
    try {
      await deployRegistry({ rpc: paris.provider, account: paris.admin, artifact: shanghai })
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(LedgerUnavailableError)
    expect((caught as LedgerUnavailableError).code).toBe('ERR_GRID_LEDGER_UNAVAILABLE')
    expect((caught as Error).message).toMatch(/^eth_estimateGas failed: /)
    // EDR's reason for an opcode of a later hardfork.
    expect(((caught as Error).cause as Error).message).toMatch(/NotActivated/)
  })
})

describe('the writer allow-list and the admin', () => {
  it('logged the admin and the initial writer at deployment, and reports them', async () => {
    const dev = await fresh()
    const admin = addr(dev.admin)
    const writer = addr(dev.writer)
    const events = await logsOf(dev, dev.deployedAt, dev.deployedAt)
    expect(events.map((e) => [e.eventName, e.args])).toEqual([
      ['AdminTransferred', { previous: zeroAddress, current: admin }],
      ['WriterAdded', { writer, by: admin }],
    ])
    expect(await call(dev, undefined, 'deployedAt')).toBe(BigInt(dev.deployedAt))
    expect(await call(dev, undefined, 'admin')).toBe(admin)
    expect(await call(dev, undefined, 'pendingAdmin')).toBe(zeroAddress)
    expect(await call(dev, undefined, 'isWriter', [writer])).toBe(true)
    expect(await call(dev, undefined, 'isWriter', [admin])).toBe(false)
    expect(await call(dev, undefined, 'VERSION')).toBe(2n)
    expect(await call(dev, undefined, 'MAX_BATCH')).toBe(1000n)
    expect(await call(dev, undefined, 'MAX_OPERATION_BYTES')).toBe(65_536n)
  })

  it("refuses a non-writer's anchor (NotWriter, status 0x0, no event)", async () => {
    const dev = await fresh()
    const outsider = generatePrivateKey()
    const { create } = await newDid('outsider')
    const sent = await send(dev, outsider, 'anchor', anchorArgs([create]))
    expect(sent.status).toBe('0x0')
    expect(sent.events).toEqual([])
    expect(await revert(dev, addr(outsider), 'anchor', anchorArgs([create]))).toEqual({ errorName: 'NotWriter', args: [addr(outsider)] })
    // Even the admin is not a writer unless listed.
    expect(await revert(dev, addr(dev.admin), 'anchor', anchorArgs([create]))).toEqual({ errorName: 'NotWriter', args: [addr(dev.admin)] })
    expect(await call(dev, undefined, 'changes', [keyOf(create.suffix)])).toEqual([0, 0, 0, `0x${'0'.repeat(28)}`])
    expect(await logsOf(dev, dev.deployedAt + 1, await blockNumber(dev))).toEqual([])
  })

  it('adds and removes writers (once each), only by the admin, never the zero address', async () => {
    const dev = await fresh()
    const admin = addr(dev.admin)
    const next = generatePrivateKey()
    const { create } = await newDid('added')

    const added = await send(dev, dev.admin, 'addWriter', [addr(next)])
    expect(added.status).toBe('0x1')
    expect(added.events.map((e) => [e.eventName, e.args])).toEqual([['WriterAdded', { writer: addr(next), by: admin }]])
    const again = await send(dev, dev.admin, 'addWriter', [addr(next)])
    expect(again.status).toBe('0x1')
    expect(again.events).toEqual([])
    expect(await call(dev, undefined, 'isWriter', [addr(next)])).toBe(true)
    expect(await call(dev, addr(next), 'anchor', anchorArgs([create]))).toBe(1n)

    const removed = await send(dev, dev.admin, 'removeWriter', [addr(next)])
    expect(removed.events.map((e) => [e.eventName, e.args])).toEqual([['WriterRemoved', { writer: addr(next), by: admin }]])
    expect((await send(dev, dev.admin, 'removeWriter', [addr(next)])).events).toEqual([])
    expect(await call(dev, undefined, 'isWriter', [addr(next)])).toBe(false)
    const refused = await send(dev, next, 'anchor', anchorArgs([create]))
    expect(refused.status).toBe('0x0')
    expect(refused.events).toEqual([])
    expect(await revert(dev, addr(next), 'anchor', anchorArgs([create]))).toEqual({ errorName: 'NotWriter', args: [addr(next)] })

    // Only the admin governs the list: not even a writer.
    for (const fn of ['addWriter', 'removeWriter'] as const) {
      expect(await revert(dev, addr(dev.writer), fn, [addr(next)])).toEqual({ errorName: 'NotAdmin', args: [addr(dev.writer)] })
      const sent = await send(dev, dev.writer, fn, [addr(next)])
      expect(sent.status).toBe('0x0')
      expect(sent.events).toEqual([])
    }
    expect(await revert(dev, admin, 'addWriter', [zeroAddress])).toEqual({ errorName: 'ZeroAddress', args: [] })
    expect(await call(dev, undefined, 'isWriter', [addr(next)])).toBe(false)
  })

  it('hands the admin role over in two steps', async () => {
    const dev = await fresh()
    const old = addr(dev.admin)
    const nextKey = generatePrivateKey()
    const next = addr(nextKey)
    const third = generatePrivateKey()

    expect(await revert(dev, old, 'transferAdmin', [zeroAddress])).toEqual({ errorName: 'ZeroAddress', args: [] })
    expect(await revert(dev, next, 'transferAdmin', [next])).toEqual({ errorName: 'NotAdmin', args: [next] })
    expect(await revert(dev, next, 'acceptAdmin')).toEqual({ errorName: 'NotPendingAdmin', args: [next] })

    const started = await send(dev, dev.admin, 'transferAdmin', [next])
    expect(started.events.map((e) => [e.eventName, e.args])).toEqual([['AdminTransferStarted', { current: old, pending: next }]])
    expect(await call(dev, undefined, 'pendingAdmin')).toBe(next)
    // Until accepted, the old admin still governs.
    expect(await call(dev, undefined, 'admin')).toBe(old)

    expect(await revert(dev, addr(third), 'acceptAdmin')).toEqual({ errorName: 'NotPendingAdmin', args: [addr(third)] })
    const refused = await send(dev, third, 'acceptAdmin', [])
    expect(refused.status).toBe('0x0')
    expect(refused.events).toEqual([])

    const accepted = await send(dev, nextKey, 'acceptAdmin', [])
    expect(accepted.events.map((e) => [e.eventName, e.args])).toEqual([['AdminTransferred', { previous: old, current: next }]])
    expect(await call(dev, undefined, 'admin')).toBe(next)
    expect(await call(dev, undefined, 'pendingAdmin')).toBe(zeroAddress)
    expect(await revert(dev, old, 'addWriter', [addr(third)])).toEqual({ errorName: 'NotAdmin', args: [old] })
    expect(await revert(dev, next, 'acceptAdmin')).toEqual({ errorName: 'NotPendingAdmin', args: [next] })
    const added = await send(dev, nextKey, 'addWriter', [addr(third)])
    expect(added.events.map((e) => [e.eventName, e.args])).toEqual([['WriterAdded', { writer: addr(third), by: next }]])
  })
})

describe('input checks of anchor', () => {
  it('refuses an empty batch, mismatched lengths and more than MAX_BATCH operations', async () => {
    const dev = await fresh()
    const writer = addr(dev.writer)
    const { create } = await newDid('inputs')
    const [[key], [op]] = anchorArgs([create]) as [[Hex], [Hex]]
    expect(await revert(dev, writer, 'anchor', [[], []])).toEqual({ errorName: 'EmptyBatch', args: [] })
    // An empty operation list is empty whatever the keys.
    expect(await revert(dev, writer, 'anchor', [[key], []])).toEqual({ errorName: 'EmptyBatch', args: [] })
    expect(await revert(dev, writer, 'anchor', [[key, key], [op]])).toEqual({ errorName: 'LengthMismatch', args: [2n, 1n] })
    expect(await revert(dev, writer, 'anchor', [[], [op]])).toEqual({ errorName: 'LengthMismatch', args: [0n, 1n] })
    const many = Array.from({ length: 1001 }, (_, i) => `0x${i.toString(16).padStart(4, '0')}` as Hex)
    expect(await revert(dev, writer, 'anchor', [many.map(() => key), many])).toEqual({ errorName: 'BatchTooLarge', args: [1001n, 1000n] })
    // The size check comes before the length check.
    expect(await revert(dev, writer, 'anchor', [[key], many])).toEqual({ errorName: 'BatchTooLarge', args: [1001n, 1000n] })
    const sent = await send(dev, dev.writer, 'anchor', [many.map(() => key), many])
    expect(sent.status).toBe('0x0')
    expect(sent.events).toEqual([])
    // 1000 is accepted (the contract does not judge content: readers do).
    expect(await call(dev, writer, 'anchor', [many.slice(0, 1000).map(() => key), many.slice(0, 1000)])).toBe(1000n)
  })

  it('refuses an empty or an over-64-KiB operation, naming its index and size; 65,536 bytes are accepted', async () => {
    const dev = await fresh()
    const writer = addr(dev.writer)
    const key = keyOf((await newDid('sizes')).create.suffix)
    const filled = (n: number, byte: number): Hex => `0x${Buffer.alloc(n, byte).toString('hex')}`
    expect(
      await revert(dev, writer, 'anchor', [
        [key, key],
        [filled(1, 1), '0x'],
      ]),
    ).toEqual({ errorName: 'BadOperationSize', args: [1n, 0n] })
    expect(await revert(dev, writer, 'anchor', [[key], [filled(65_537, 2)]])).toEqual({
      errorName: 'BadOperationSize',
      args: [0n, 65_537n],
    })
    expect(
      await revert(dev, writer, 'anchor', [
        [key, key, key],
        [filled(10, 3), filled(65_536, 3), filled(65_537, 3)],
      ]),
    ).toEqual({
      errorName: 'BadOperationSize',
      args: [2n, 65_537n],
    })
    const bad = await send(dev, dev.writer, 'anchor', [[key], [filled(65_537, 4)]])
    expect(bad.status).toBe('0x0')
    expect(bad.events).toEqual([])
    const largest = filled(65_536, 5)
    const ok = await send(dev, dev.writer, 'anchor', [[key], [largest]])
    expect(ok.status).toBe('0x1')
    expect(ok.events).toHaveLength(1)
    expect(ok.events[0]!.args.operation).toBe(largest)
    expect(ok.events[0]!.args.digest).toBe(digestOf(Buffer.alloc(65_536, 5)))
    // The log holds the operation after one word, unpadded: 32 + 65,536 bytes.
    const [raw] = (await dev.provider.request({
      method: 'eth_getLogs',
      params: [{ address: dev.registry, fromBlock: hex(ok.blockNumber), toBlock: hex(ok.blockNumber), topics: [ANCHORED] }],
    })) as RawLog[]
    expect((raw!.data.length - 2) / 2).toBe(32 + 65_536)
  })
})

describe('anchoring', () => {
  it('anchors 250 create operations in one transaction, once each; a re-send anchors nothing', async () => {
    const dev = await fresh()
    const ops: EncodedOperation[] = []
    for (let i = 0; i < 250; i++) ops.push((await newDid(`batch-${i}`)).create)
    const args = anchorArgs(ops)
    expect(await call(dev, addr(dev.writer), 'anchor', args)).toBe(250n)

    const sent = await send(dev, dev.writer, 'anchor', args)
    expect(sent.status).toBe('0x1')
    expect(sent.events).toHaveLength(250)
    const block = (await dev.provider.request({ method: 'eth_getBlockByNumber', params: [hex(sent.blockNumber), false] })) as {
      timestamp: Hex
    }
    sent.events.forEach((e, i) => {
      expect(e.eventName).toBe('Anchored')
      expect(e.blockNumber).toBe(sent.blockNumber)
      expect(e.args).toEqual({
        key: keyOf(ops[i]!.suffix),
        digest: digestOf(ops[i]!.bytes),
        previousChange: 0n,
        position: i,
        time: BigInt(block.timestamp),
        operation: opHex(ops[i]!.bytes),
      })
    })
    // The indexed topics are what readers filter by.
    const [one] = await logsOf(dev, sent.blockNumber, sent.blockNumber, [null, keyOf(ops[137]!.suffix)])
    expect(one!.args.position).toBe(137)
    expect(ANCHORED).toBe(keccak256(toHex('did:grid Anchored v2')))
    expect(await call(dev, undefined, 'ANCHORED')).toBe(ANCHORED)
    // Each key's last change and the tag of its last operation (keccak256's first 14 bytes).
    const [lasts, tags] = (await call(dev, undefined, 'lastChanges', [ops.map((op) => keyOf(op.suffix))])) as [number[], Hex[]]
    expect(lasts).toEqual(ops.map(() => sent.blockNumber))
    expect(tags).toEqual(ops.map((op) => keccak256(op.bytes).slice(0, 30)))

    expect(await call(dev, addr(dev.writer), 'anchor', args)).toBe(0n)
    const again = await send(dev, dev.writer, 'anchor', args)
    expect(again.status).toBe('0x1')
    expect(again.blockNumber).toBe(sent.blockNumber + 1)
    expect(again.events).toEqual([])
    expect(await logsOf(dev, sent.blockNumber + 1, again.blockNumber)).toEqual([])
  })

  it("keeps each key's first, previous and last change and links every event to the change before its block", async () => {
    const dev = await fresh()
    const d = await newDid('changes')
    const ops: EncodedOperation[] = [d.create]
    let state = foldOperations(d.create.did, [{ bytes: d.create.bytes, height: 1, position: 0, time: 0 }]).state!
    for (let i = 0; i < 3; i++) {
      const up = await updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://v${i}.example`] }] })
      ops.push(up)
      state = foldOperations(
        d.create.did,
        ops.map((o, h) => ({ bytes: o.bytes, height: h + 1, position: 0, time: 0 })),
      ).state!
    }
    const key = keyOf(d.create.suffix)
    const tag = (op: EncodedOperation) => keccak256(op.bytes).slice(0, 30)
    expect(await call(dev, undefined, 'changes', [key])).toEqual([0, 0, 0, `0x${'0'.repeat(28)}`])

    const b1 = await send(dev, dev.writer, 'anchor', anchorArgs([ops[0]!]))
    expect(await call(dev, undefined, 'changes', [key])).toEqual([b1.blockNumber, 0, b1.blockNumber, tag(ops[0]!)])
    await dev.mine(3)
    // Two operations of the key in one transaction, with another key's operation between them.
    const other = (await newDid('changes-other')).create
    const b2 = await send(dev, dev.writer, 'anchor', anchorArgs([ops[1]!, other, ops[2]!]))
    await dev.mine(2)
    const b3 = await send(dev, dev.writer, 'anchor', anchorArgs([ops[3]!]))
    const [first, previous, last] = [b1, b2, b3].map((s) => s.blockNumber) as [number, number, number]
    expect(new Set([first, previous, last]).size).toBe(3)
    expect(await call(dev, undefined, 'changes', [key])).toEqual([first, previous, last, tag(ops[3]!)])
    expect(await call(dev, undefined, 'changes', [keyOf(other.suffix)])).toEqual([previous, 0, previous, tag(other)])

    const events = await logsOf(dev, dev.deployedAt, last, [null, key])
    expect(events.map((e) => [e.blockNumber, e.args.position, e.args.previousChange, e.args.digest])).toEqual([
      [first, 0, 0n, digestOf(ops[0]!.bytes)],
      [previous, 0, BigInt(first), digestOf(ops[1]!.bytes)],
      [previous, 2, BigInt(first), digestOf(ops[2]!.bytes)],
      [last, 0, BigInt(previous), digestOf(ops[3]!.bytes)],
    ])
    // The key's last operation again changes nothing, not even the change chain.
    const replay = await send(dev, dev.writer, 'anchor', anchorArgs([ops[3]!]))
    expect(replay.events).toEqual([])
    expect(await call(dev, undefined, 'changes', [key])).toEqual([first, previous, last, tag(ops[3]!)])
    // An older one is anchored again: a duplicate event, which readers skip.
    const older = await send(dev, dev.writer, 'anchor', anchorArgs([ops[1]!]))
    expect(older.events.map((e) => [e.args.digest, e.args.previousChange])).toEqual([[digestOf(ops[1]!.bytes), BigInt(last)]])
    expect(await call(dev, undefined, 'changes', [key])).toEqual([first, last, older.blockNumber, tag(ops[1]!)])
  })
})
