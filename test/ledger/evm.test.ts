/**
 * The EVM ledger adapter (EvmLedger, deployRegistry) and its SQLite index (ChainIndex) on an
 * in-process EVM (EDR): the writer allow-list as the adapter reports it, splitting batches into
 * transactions, nonces shared between processes, what a dishonest writer can and cannot do, narrow
 * reads, finality, outages and the index's resumable sync.
 */
import { rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { base32 } from 'multiformats/bases/base32'
import { encodeFunctionData, keccak256, parseTransaction, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  createDid,
  Ed25519KeyPair,
  type GridError,
  GridResolver,
  HeightNotReachedError,
  LedgerCorruptError,
  LedgerForbiddenError,
  LedgerUnavailableError,
  decodeOperation,
  foldOperations,
  publishResource,
  updateDid,
  type EncodedOperation,
} from '../../src/index.js'
import { toHex } from '../../src/lib/bytes.js'
import { ChainIndex } from '../../src/ledger/chain-index.js'
import { deployRegistry, EvmLedger, type Eip1193Provider } from '../../src/ledger/evm.js'
import { REGISTRY_ARTIFACT } from '../../src/ledger/registry-artifact.js'
import { ANCHORED } from '../../src/ledger/evm/abi.js'
import { parseLog } from '../../src/ledger/evm/log.js'
import { sha256 } from '../../src/lib/crypto.js'
import { gasFor } from '../../src/ledger/evm/gas.js'
import { expectFault, expectRejects, key, newDid, vm } from '../helpers.js'
import { devRegistry, tempFile, type DevRegistry, type RpcCall } from './evm-harness.js'

const ABI = REGISTRY_ARTIFACT.abi

const open: DevRegistry[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map((dev) => dev.close()))
})
const files: string[] = []
afterAll(() => {
  for (const file of files) rmSync(dirname(file), { recursive: true, force: true })
})

async function fresh(): Promise<DevRegistry> {
  const dev = await devRegistry()
  open.push(dev)
  // Count from here: the deployment's calls are not the test's.
  dev.calls.length = 0
  return dev
}

function indexFile(): string {
  const file = tempFile('index.db')
  files.push(file)
  return file
}

const addr = (key: Hex): Address => privateKeyToAccount(key).address
const hex = (n: number): Hex => `0x${n.toString(16)}`
const keyOf = (suffix: string): Hex => `0x${Buffer.from(base32.baseDecode(suffix)).toString('hex')}`
const bytesHex = (bytes: Uint8Array): Hex => `0x${Buffer.from(bytes).toString('hex')}`
const sends = (calls: readonly RpcCall[]) => calls.filter((c) => c.method === 'eth_sendRawTransaction')
const getLogs = (calls: readonly RpcCall[]) =>
  calls
    .filter((c) => c.method === 'eth_getLogs')
    .map((c) => {
      const filter = c.params[0] as { fromBlock: Hex; toBlock: Hex }
      return { from: Number(filter.fromBlock), to: Number(filter.toBlock) }
    })
/** Operations per transaction and calldata bytes of each `eth_sendRawTransaction` in `calls`. */
function transactions(calls: readonly RpcCall[]): { operations: number; bytes: number }[] {
  return sends(calls).map((c) => {
    const { data } = parseTransaction(c.params[0] as Hex)
    const bytes = (data!.length - 2) / 2
    // anchor(bytes32[] keys, bytes[] operations): the keys array's length word sits at byte 4 + 64.
    const operations = Number(BigInt(`0x${data!.slice(2 + 2 * 68, 2 + 2 * 100)}`))
    return { operations, bytes }
  })
}

async function head(dev: DevRegistry): Promise<number> {
  return Number(await dev.chain.request({ method: 'eth_blockNumber', params: [] }))
}

/** Every anchoring log of the registry so far, decoded (digest: the SHA-256 of its operation bytes). */
async function anchoredEvents(dev: DevRegistry): Promise<{ key: Hex; digest: Hex; blockNumber: number; position: number }[]> {
  const logs = (await dev.chain.request({
    method: 'eth_getLogs',
    params: [{ address: dev.registry, fromBlock: hex(dev.deployedAt), toBlock: 'latest', topics: [ANCHORED] }],
  })) as { topics: [Hex, ...Hex[]]; data: Hex; blockNumber: Hex }[]
  return logs.map((log) => {
    const event = parseLog(log)!
    return { key: event.key, digest: bytesHex(sha256(event.bytes)), blockNumber: event.height, position: event.position }
  })
}

/** A raw `anchor` transaction from the writer, bypassing the adapter's checks: what a dishonest writer can send. */
async function rawAnchor(dev: DevRegistry, entries: readonly { key: Hex; bytes: Uint8Array }[]): Promise<number> {
  const account = privateKeyToAccount(dev.writer)
  const data = encodeFunctionData({
    abi: ABI,
    functionName: 'anchor',
    args: [entries.map((e) => e.key), entries.map((e) => bytesHex(e.bytes))],
  })
  const nonce = Number(await dev.chain.request({ method: 'eth_getTransactionCount', params: [account.address, 'pending'] }))
  const raw = await account.signTransaction({
    type: 'legacy',
    chainId: dev.chain.chainId,
    nonce,
    gas: 10_000_000n,
    gasPrice: 0n,
    to: dev.registry,
    data,
    value: 0n,
  })
  const hash = await dev.chain.request({ method: 'eth_sendRawTransaction', params: [raw] })
  const receipt = (await dev.chain.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as { status: Hex; blockNumber: Hex }
  expect(receipt.status).toBe('0x1')
  return Number(receipt.blockNumber)
}

/** A DID's create and `n` updates, each built on the state after the previous one. */
async function history(label: string, n: number) {
  const d = await newDid(label)
  const ops: EncodedOperation[] = [d.create]
  for (let i = 0; i < n; i++) {
    const state = foldOperations(
      d.create.did,
      ops.map((o, h) => ({ bytes: o.bytes, height: h + 1, position: 0, time: 0 })),
    ).state!
    ops.push(
      await updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://${label}-${i}.example`] }] }),
    )
  }
  return { ...d, ops }
}

async function creates(label: string, n: number): Promise<EncodedOperation[]> {
  const ops: EncodedOperation[] = []
  for (let i = 0; i < n; i++) ops.push((await newDid(`${label}-${i}`)).create)
  return ops
}

const hexOps = (ops: readonly { bytes: Uint8Array }[]) => ops.map((o) => toHex(o.bytes))

describe('EvmLedger: who may write', () => {
  it('refuses a ledger without an account and a key that is not allow-listed, anchoring nothing', async () => {
    const dev = await fresh()
    const { create } = await newDid('forbidden')
    const readOnly = new EvmLedger({ rpc: dev.provider, registry: dev.registry })
    await expectRejects(
      readOnly.submit([create]),
      LedgerForbiddenError,
      'ERR_GRID_LEDGER_FORBIDDEN',
      /^no writer account: pass \{ account \}.* to anchor operations$/,
    )
    await expectRejects(
      readOnly.addWriter(addr(generatePrivateKey())),
      LedgerForbiddenError,
      'ERR_GRID_LEDGER_FORBIDDEN',
      /^no writer account: pass \{ account \} to addWriter$/,
    )
    expect(readOnly.address).toBeUndefined()

    const outsider = generatePrivateKey()
    const stranger = dev.ledger({ account: outsider })
    expect(stranger.address).toBe(addr(outsider))
    await expectRejects(
      stranger.submit([create]),
      LedgerForbiddenError,
      'ERR_GRID_LEDGER_FORBIDDEN',
      new RegExp(`^account ${addr(outsider)} is not an allow-listed writer of registry ${dev.registry}$`),
    )
    expect(sends(dev.calls)).toEqual([])
    expect(await anchoredEvents(dev)).toEqual([])
    expect(await dev.ledger().read(create.suffix)).toEqual([])
  })

  it('lets only the admin change the allow-list, and reports it', async () => {
    const dev = await fresh()
    const writer = dev.ledger()
    const admin = dev.ledger({ account: dev.admin })
    const newKey = generatePrivateKey()
    const newcomer = dev.ledger({ account: newKey })
    const [a, b] = await creates('allow', 2)

    expect(await writer.info()).toEqual({
      chainId: 1337,
      registry: dev.registry,
      deployedAt: dev.deployedAt,
      admin: addr(dev.admin),
      writer: { address: addr(dev.writer), allowed: true },
    })
    expect(await new EvmLedger({ rpc: dev.provider, registry: dev.registry.toLowerCase() }).info()).toEqual({
      chainId: 1337,
      registry: dev.registry,
      deployedAt: dev.deployedAt,
      admin: addr(dev.admin),
    })
    expect((await admin.info()).writer).toEqual({ address: addr(dev.admin), allowed: false })

    await expectRejects(
      writer.addWriter(addr(newKey)),
      LedgerForbiddenError,
      'ERR_GRID_LEDGER_FORBIDDEN',
      new RegExp(`^account ${addr(dev.writer)} is not the admin of registry ${dev.registry}$`),
    )
    await expectRejects(
      writer.removeWriter(addr(dev.writer)),
      LedgerForbiddenError,
      'ERR_GRID_LEDGER_FORBIDDEN',
      /is not the admin of registry 0x/,
    )
    expect(await writer.isWriter(addr(dev.writer))).toBe(true)
    expect(await writer.isWriter(addr(newKey))).toBe(false)
    await expectRejects(
      newcomer.submit([a!]),
      LedgerForbiddenError,
      'ERR_GRID_LEDGER_FORBIDDEN',
      /is not an allow-listed writer of registry 0x/,
    )

    await admin.addWriter(addr(newKey).toLowerCase())
    expect(await writer.isWriter(addr(newKey))).toBe(true)
    expect((await newcomer.info()).writer).toEqual({ address: addr(newKey), allowed: true })
    const [receipt] = await newcomer.submit([a!])
    expect(receipt!.cid).toBe(a!.cid)
    expect((await writer.read(a!.suffix)).map((r) => r.height)).toEqual([receipt!.height])

    await admin.removeWriter(addr(newKey))
    expect(await writer.isWriter(addr(newKey))).toBe(false)
    const before = sends(dev.calls).length
    await expectRejects(
      newcomer.submit([b!]),
      LedgerForbiddenError,
      'ERR_GRID_LEDGER_FORBIDDEN',
      /is not an allow-listed writer of registry 0x/,
    )
    expect(sends(dev.calls).length).toBe(before)
    expect(await writer.read(b!.suffix)).toEqual([])
    // An anchored operation is still served to anyone: re-submitting needs no right to write.
    expect(await newcomer.submit([a!])).toEqual([receipt])
  })
})

describe('EvmLedger: transactions', () => {
  it('splits a batch by maxOperations; positions restart in each block', async () => {
    const dev = await fresh()
    const ledger = dev.ledger({ maxOperations: 2 })
    const ops = await creates('split', 5)
    const h = await head(dev)
    const receipts = await ledger.submit(ops)
    expect(transactions(dev.calls).map((t) => t.operations)).toEqual([2, 2, 1])
    expect(receipts.map((r) => [r.cid, r.height - h, r.position])).toEqual([
      [ops[0]!.cid, 1, 0],
      [ops[1]!.cid, 1, 1],
      [ops[2]!.cid, 2, 0],
      [ops[3]!.cid, 2, 1],
      [ops[4]!.cid, 3, 0],
    ])
    // A receipt names its own block's batch.
    expect(new Set(receipts.map((r) => r.batchRoot)).size).toBe(3)
    expect((await ledger.batch(h + 2))!.operations).toEqual([ops[2]!.cid, ops[3]!.cid])
  })

  it('splits a batch under maxTransactionGas: as many operations as fit in order, each gas limit under the cap', async () => {
    const dev = await fresh()
    // Creates of about 3.5 KB (20 verification methods).
    const document = { verificationMethods: Array.from({ length: 20 }, (_, j) => vm(`key-${j}`, key(`fat-${j}`))) }
    const ops: EncodedOperation[] = []
    for (let i = 0; i < 40; i++) ops.push((await newDid(`fat-${i}`, document)).create)
    const cap = 1_500_000
    const receipts = await dev.ledger({ maxTransactionGas: cap }).submit(ops)
    const sent = sends(dev.calls).map((c) => parseTransaction(c.params[0] as Hex))
    const counts = transactions(dev.calls).map((t) => t.operations)
    expect(counts.length).toBeGreaterThan(2)
    expect(counts.reduce((x, y) => x + y)).toBe(40)
    let start = 0
    for (const [i, n] of counts.entries()) {
      const chunk = ops.slice(start, start + n)
      const all = chunk.map(() => true)
      // Greedy: the chunk fits, one more would not; its gas limit is the bound, and the bound holds.
      expect(sent[i]!.gas).toBe(BigInt(gasFor(chunk, all)))
      expect(gasFor(chunk, all)).toBeLessThanOrEqual(cap)
      if (start + n < 40) expect(gasFor(ops.slice(start, start + n + 1), [...all, true])).toBeGreaterThan(cap)
      start += n
    }
    for (const height of new Set(receipts.map((r) => r.height))) {
      const block = (await dev.chain.request({ method: 'eth_getBlockByNumber', params: [hex(height), true] })) as {
        gasUsed: Hex
        transactions: { gas: Hex }[]
      }
      expect(Number(block.gasUsed)).toBeLessThanOrEqual(Number(block.transactions[0]!.gas))
    }
    expect(receipts.map((r) => r.cid)).toEqual(ops.map((o) => o.cid))
  })

  it('refuses, before sending anything, an operation that alone may need more than maxTransactionGas', async () => {
    const dev = await fresh()
    const d = await newDid('too-big')
    const big = await publishResource({
      did: d.create.did,
      resourceId: 'r',
      resourceType: 'Doc',
      content: { pad: 'x'.repeat(60_000) },
      signer: d.update,
    })
    const ledger = dev.ledger({ maxTransactionGas: 1_000_000 })
    await expect(ledger.submit([d.create, big])).rejects.toThrow(RangeError)
    await expect(ledger.submit([d.create, big])).rejects.toThrow(
      new RegExp(`^operation ${big.cid} \\(${big.bytes.length} bytes\\) may need more gas than maxTransactionGas \\(1000000\\) allows$`),
    )
    expect(sends(dev.calls)).toEqual([])
  })

  it('computes a gas limit that covers the batch without asking the node to estimate it', async () => {
    const dev = await fresh()
    const d = await history('gas', 1)
    const big = (id: string) =>
      publishResource({ did: d.create.did, resourceId: id, resourceType: 'Doc', content: { pad: id.repeat(60_000) }, signer: d.update })
    const batches = [[d.ops[0]!], [d.ops[1]!], await creates('gas', 187), [await big('a')]]
    for (const batch of batches) {
      const before = dev.calls.length
      const [receipt] = await dev.ledger().submit(batch)
      const calls = dev.calls.slice(before)
      expect(calls.filter((c) => c.method === 'eth_estimateGas')).toEqual([])
      const block = (await dev.chain.request({ method: 'eth_getBlockByNumber', params: [`0x${receipt!.height.toString(16)}`, true] })) as {
        gasUsed: Hex
        transactions: { gas: Hex }[]
      }
      const [limit, used] = [Number(block.transactions[0]!.gas), Number(block.gasUsed)]
      expect(limit).toBeGreaterThan(used)
      expect(limit).toBeLessThan(2 * used)
    }
  })

  it('anchors full batches under the 2^24 cap for at most 35,000 gas a minimal create and 18,500 an update (Prague calldata floor)', async () => {
    // Minimal creates (keys only, as in bulk onboarding) and one-patch updates, as bench/gas.ts
    // measures; the same operations on both chains.
    const dids = await Promise.all(
      Array.from({ length: 600 }, async () => {
        const update = Ed25519KeyPair.generate()
        return { update, create: await createDid({ network: 'test', updateKey: update, recoveryKey: Ed25519KeyPair.generate() }) }
      }),
    )
    const ups = await Promise.all(
      dids.map((d, i) => {
        const state = foldOperations(d.create.did, [{ bytes: d.create.bytes, height: 1, position: 0, time: 0 }]).state!
        return updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://full-${i}.example`] }] })
      }),
    )
    for (const hardfork of ['shanghai', 'prague'] as const) {
      const dev = await devRegistry({ hardfork })
      open.push(dev)
      const gasOf = async (ops: EncodedOperation[]) => {
        const before = dev.calls.length
        await dev.ledger().submit(ops)
        const hashes = dev.calls
          .slice(before)
          .filter((c) => c.method === 'eth_sendRawTransaction')
          .map((c) => keccak256(c.params[0] as Hex))
        const receipts = await Promise.all(
          hashes.map(
            async (h) => (await dev.chain.request({ method: 'eth_getTransactionReceipt', params: [h] })) as { gasUsed: Hex; status: Hex },
          ),
        )
        const limits = dev.calls
          .slice(before)
          .filter((c) => c.method === 'eth_sendRawTransaction')
          .map((c) => parseTransaction(c.params[0] as Hex).gas!)
        expect(receipts.every((r) => r.status === '0x1')).toBe(true)
        expect(limits.every((g) => g <= 16_777_216n)).toBe(true)
        return {
          transactions: receipts.length,
          firstLimit: limits[0]!,
          perOperation: receipts.reduce((x, r) => x + Number(r.gasUsed), 0) / ops.length,
        }
      }
      const created = await gasOf(dids.map((d) => d.create))
      // 600 creates need two transactions under the cap: the first as full as the cap allows.
      expect(created.transactions).toBe(2)
      expect(created.firstLimit).toBeGreaterThan(16_600_000n)
      expect(created.perOperation).toBeLessThanOrEqual(35_000)
      const before = dev.calls.length
      const updated = await gasOf(ups)
      expect(updated.transactions).toBe(1)
      // Looking for the updates in their keys' chains asks for at most 256 keys per eth_getLogs.
      const alternatives = dev.calls
        .slice(before)
        .filter((c) => c.method === 'eth_getLogs')
        .map((c) => (c.params[0] as { topics: (Hex | Hex[])[] }).topics[1])
        .filter((t) => Array.isArray(t))
        .map((t) => t!.length)
      expect(alternatives).toEqual([256, 256, 88])
      expect(updated.perOperation).toBeLessThanOrEqual(18_500)
    }
  })

  it('re-reads each block once for the receipts of a batch', async () => {
    const dev = await fresh()
    const ops = await creates('receipts', 20)
    const receipts = await dev.ledger().submit(ops)
    expect(new Set(receipts.map((r) => r.height)).size).toBe(1)
    expect(transactions(dev.calls)).toHaveLength(1)
    // All receipts of one block share one lookup (it once was one per operation: O(n²)).
    expect(getLogs(dev.calls)).toHaveLength(1)
  })

  it('sends operations near 64 KiB with others in one transaction under the default cap; 65,536 bytes anchor', async () => {
    const dev = await fresh()
    const d = await newDid('big')
    const resource = (resourceId: string, pad: number) =>
      publishResource({ did: d.create.did, resourceId, resourceType: 'Doc', content: { pad: 'x'.repeat(pad) }, signer: d.update })
    const overhead = (await resource('r0', 0)).bytes.length
    const big = [await resource('r1', 60_000), await resource('r2', 60_000), await resource('r3', 60_000)]
    const largest = await resource('r0', 65_536 - overhead)
    expect(largest.bytes.length).toBe(65_536)
    const small = await creates('beside-big', 2)
    const ledger = dev.ledger()
    const receipts = await ledger.submit([small[0]!, ...big, largest, small[1]!])
    expect(transactions(dev.calls).map((t) => t.operations)).toEqual([6])
    expect(new Set(receipts.map((r) => r.height)).size).toBe(1)
    expect(hexOps(await ledger.read(largest.suffix))).toEqual([toHex(largest.bytes)])
  })

  it('shares one account between two ledgers: concurrent submits both land, each operation once', async () => {
    const dev = await fresh()
    const [one, two] = [dev.ledger(), dev.ledger()]
    const a = await creates('same-key-a', 3)
    const b = await creates('same-key-b', 3)
    const [ra, rb] = await Promise.all([one.submit(a), two.submit(b)])
    // Both read the same pending nonce (the chain answers in call order); the loser read it again and re-sent.
    expect(sends(dev.calls)).toHaveLength(3)
    expect(ra.map((r) => r.cid)).toEqual(a.map((o) => o.cid))
    expect(rb.map((r) => r.cid)).toEqual(b.map((o) => o.cid))
    const events = await anchoredEvents(dev)
    expect(events.map((e) => e.digest).sort()).toEqual([...a, ...b].map((o) => bytesHex(o.digest)).sort())
    expect(ra[0]!.height).not.toBe(rb[0]!.height)

    // A ledger whose remembered nonce another one used meanwhile reads it again and re-signs.
    const [c, d] = await creates('stale-nonce', 2)
    await one.submit([c!])
    const before = sends(dev.calls).length
    const [rd] = await two.submit([d!])
    const retried = sends(dev.calls).slice(before)
    expect(retried).toHaveLength(2)
    expect(parseTransaction(retried[1]!.params[0] as Hex).nonce).toBe(parseTransaction(retried[0]!.params[0] as Hex).nonce! + 1)
    expect(rd!.height).toBe(await head(dev))
    expect((await anchoredEvents(dev)).length).toBe(8)
  })

  it('anchors an operation once when two writers race with it, and both get its receipt', async () => {
    const dev = await fresh()
    const second = generatePrivateKey()
    await dev.ledger({ account: dev.admin }).addWriter(addr(second))
    const [op] = await creates('race', 1)
    const [r1, r2] = await Promise.all([dev.ledger().submit([op!]), dev.ledger({ account: second }).submit([op!])])
    expect(r1).toEqual(r2)
    expect((await anchoredEvents(dev)).filter((e) => e.digest === bytesHex(op!.digest))).toEqual([
      { key: keyOf(op!.suffix), digest: bytesHex(op!.digest), blockNumber: r1![0]!.height, position: 0 },
    ])
    const before = sends(dev.calls).length
    expect(await dev.ledger().submit([op!, op!])).toEqual([r1![0], r1![0]])
    expect(sends(dev.calls).length).toBe(before)
  })
})

describe('EvmLedger: a writer can censor, never forge', () => {
  it('drops operations under a wrong key, with a bad signature, or not operations at all', async () => {
    const dev = await fresh()
    const ledger = dev.ledger()
    const A = await history('honest-a', 2)
    const B = await newDid('honest-b')
    await ledger.submit([A.ops[0]!, B.create])
    await ledger.submit([A.ops[1]!])
    // (a) A's next valid update filed under B's key; (b) a copy of it with a flipped signature bit
    // under A's key; (c) bytes that are no operation.
    const text = new TextDecoder().decode(A.ops[2]!.bytes)
    const at = text.indexOf('"sig":"') + 7
    const tampered = new TextEncoder().encode(`${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`)
    expect(decodeOperation(A.ops[2]!.bytes).suffix).toBe(A.create.suffix)
    expectFault(() => decodeOperation(tampered), 'bad-signature', /^the signature does not verify with key$/)
    const block = await rawAnchor(dev, [
      { key: keyOf(B.create.suffix), bytes: A.ops[2]!.bytes },
      { key: keyOf(A.create.suffix), bytes: tampered },
      { key: keyOf(A.create.suffix), bytes: new TextEncoder().encode('garbage') },
    ])
    expect((await anchoredEvents(dev)).filter((e) => e.blockNumber === block)).toHaveLength(3)

    expect(hexOps(await ledger.read(A.create.suffix))).toEqual(hexOps(A.ops.slice(0, 2)))
    expect(hexOps(await ledger.read(B.create.suffix))).toEqual(hexOps([B.create]))
    expect(await ledger.batch(block)).toBeUndefined()
    const scan = await ledger.scan(dev.deployedAt, block)
    expect(scan.skipped).toBe(3)
    expect(scan.operations.map((o) => o.op.cid)).toEqual([A.ops[0]!.cid, B.create.cid, A.ops[1]!.cid])

    const index = new ChainIndex(indexFile(), ledger, { create: true })
    expect(await index.sync()).toEqual({ from: dev.deployedAt, to: block, operations: 3, skipped: 3 })
    expect(hexOps(await index.read(A.create.suffix))).toEqual(hexOps(A.ops.slice(0, 2)))
    expect(hexOps(await index.read(B.create.suffix))).toEqual(hexOps([B.create]))
    expect(await index.verifyIntegrity()).toEqual({ batches: 2, operations: 3 })

    const fromChain = await new GridResolver({ networks: { test: ledger } }).resolve(A.create.did)
    const fromIndex = await new GridResolver({ networks: { test: index } }).resolve(A.create.did)
    expect(fromChain.didResolutionMetadata.error).toBeUndefined()
    expect(fromChain.didDocument!.id).toBe(A.create.did)
    expect(fromChain.didDocument!.alsoKnownAs).toEqual(['https://honest-a-0.example'])
    expect(fromChain.didDocumentMetadata.versionId).toBe('2')
    expect(fromIndex).toEqual(fromChain)
    await index.close()
  })

  it('anchors a retried batch once: a resubmission after a timeout sends nothing, a raw re-send emits nothing', async () => {
    const dev = await fresh()
    const A = await history('retry-a', 1)
    const others = await creates('retry', 3)
    await dev.ledger().submit([A.ops[0]!])
    const batch = [others[0]!, A.ops[1]!, others[1]!, others[2]!]
    // The transaction lands but the writer gives up waiting for finality.
    await expectRejects(
      dev.ledger({ confirmations: 1, timeoutMs: 100 }).submit(batch),
      LedgerUnavailableError,
      'ERR_GRID_LEDGER_UNAVAILABLE',
      /^transaction 0x[0-9a-f]{64} not final after 100 ms; submitting the same operations again is safe$/,
    )
    const before = sends(dev.calls).length
    const receipts = await dev.ledger().submit(batch)
    expect(sends(dev.calls).length).toBe(before)
    expect(new Set(receipts.map((r) => r.height)).size).toBe(1)
    expect(receipts.map((r) => r.position)).toEqual([0, 1, 2, 3])
    // The same batch sent again as is: each operation is its key's last, so the contract skips it.
    const block = await rawAnchor(
      dev,
      batch.map((op) => ({ key: keyOf(op.suffix), bytes: op.bytes })),
    )
    expect((await anchoredEvents(dev)).filter((e) => e.blockNumber === block)).toEqual([])
    expect((await anchoredEvents(dev)).length).toBe(5)
  })

  it('skips a duplicate: an older operation re-anchored later changes no read, and its receipt stays the first', async () => {
    const dev = await fresh()
    const ledger = dev.ledger()
    const A = await history('dup-a', 2)
    const first = await ledger.submit([A.ops[0]!])
    await ledger.submit([A.ops[1]!])
    // Not the key's last operation: the contract anchors it again, as a duplicate event.
    const block = await rawAnchor(dev, [{ key: keyOf(A.create.suffix), bytes: A.ops[0]!.bytes }])
    expect((await anchoredEvents(dev)).filter((e) => e.blockNumber === block)).toHaveLength(1)
    await ledger.submit([A.ops[2]!])
    expect(await ledger.submit([A.ops[0]!])).toEqual(first)
    const resolved = await new GridResolver({ networks: { test: ledger } }).resolve(A.create.did)
    expect(resolved.didResolutionMetadata.error).toBeUndefined()
    expect(resolved.didDocument!.alsoKnownAs).toEqual(['https://dup-a-1.example'])
    expect(resolved.didDocumentMetadata.versionId).toBe('3')
    // Twice in one transaction too, around another operation of the key: P, U, P.
    const both = await rawAnchor(
      dev,
      [A.ops[1]!, A.ops[2]!, A.ops[1]!].map((op) => ({ key: keyOf(A.create.suffix), bytes: op.bytes })),
    )
    expect((await anchoredEvents(dev)).filter((e) => e.blockNumber === both)).toHaveLength(3)
    // A chain index keeps the first copy of each and syncs past them (it used to stop for good
    // on its digest index), and resolves what the chain resolves.
    const index = new ChainIndex(indexFile(), ledger, { create: true })
    const synced = await index.sync()
    expect(synced.to).toBe(both)
    expect(hexOps(await index.read(A.create.suffix))).toEqual(hexOps(A.ops))
    expect((await index.verifyIntegrity()).operations).toBe(A.ops.length)
    const viaIndex = await new GridResolver({ networks: { test: index } }).resolve(A.create.did)
    expect(viaIndex.didDocumentMetadata.versionId).toBe('3')
    expect(viaIndex.didDocument).toEqual(resolved.didDocument)
    await index.close()
  })

  it("cannot stop a victim's operation with garbage under the victim's key, in the same block or before", async () => {
    const dev = await fresh()
    const ledger = dev.ledger()
    const A = await history('victim', 1)
    await ledger.submit([A.ops[0]!])
    const junk = { key: keyOf(A.create.suffix), bytes: new TextEncoder().encode('garbage') }
    await rawAnchor(dev, [junk, junk])
    const [receipt] = await ledger.submit([A.ops[1]!])
    expect(receipt!.cid).toBe(A.ops[1]!.cid)
    expect(hexOps(await ledger.read(A.create.suffix))).toEqual(hexOps(A.ops))
    const block = await rawAnchor(dev, [junk, { key: junk.key, bytes: A.ops[1]!.bytes }])
    // A copy of the victim's operation after junk is a duplicate readers skip.
    expect((await anchoredEvents(dev)).filter((e) => e.blockNumber === block)).toHaveLength(2)
    expect(hexOps(await ledger.read(A.create.suffix))).toEqual(hexOps([...A.ops, A.ops[1]!]))
    const resolved = await new GridResolver({ networks: { test: ledger } }).resolve(A.create.did)
    expect(resolved.didDocumentMetadata.versionId).toBe('2')
  })

  it('cannot hide an operation by filing it under a wrong key first: it still anchors under its own', async () => {
    const dev = await fresh()
    const ledger = dev.ledger()
    const A = await newDid('front-run-a')
    const B = await newDid('front-run-b')
    await ledger.submit([B.create])
    const early = await rawAnchor(dev, [{ key: keyOf(B.create.suffix), bytes: A.create.bytes }])
    const [receipt] = await ledger.submit([A.create])
    expect(receipt!.height).toBeGreaterThan(early)
    expect(receipt!.cid).toBe(A.create.cid)
    expect(hexOps(await ledger.read(A.create.suffix))).toEqual(hexOps([A.create]))
    expect(hexOps(await ledger.read(B.create.suffix))).toEqual(hexOps([B.create]))
    // And the misfiled copy is what it was: one event under B's key that readers drop.
    expect((await anchoredEvents(dev)).filter((e) => e.digest === bytesHex(A.create.digest)).map((e) => e.blockNumber)).toEqual([
      early,
      receipt!.height,
    ])
  })

  it('still reads a DID whose newest change is junk the writer filed under its key', async () => {
    const dev = await fresh()
    const ledger = dev.ledger({ maxLogsRange: 4 })
    const A = await history('junk-last', 1)
    await ledger.submit([A.ops[0]!])
    await dev.mine(10)
    await rawAnchor(dev, [{ key: keyOf(A.create.suffix), bytes: new TextEncoder().encode('garbage') }])
    // The walk takes previousChange from every event, valid or not: a window holding only junk must
    // neither end the walk nor look like an outage.
    expect(hexOps(await ledger.read(A.create.suffix))).toEqual(hexOps([A.ops[0]!]))
  })

  it('still reads a DID whose change chain runs through a block of junk', async () => {
    const dev = await fresh()
    const ledger = dev.ledger({ maxLogsRange: 4 })
    const A = await history('junk-between', 1)
    await ledger.submit([A.ops[0]!])
    await dev.mine(10)
    await rawAnchor(dev, [{ key: keyOf(A.create.suffix), bytes: new TextEncoder().encode('garbage') }])
    await ledger.submit([A.ops[1]!])
    // The update's previousChange points at the junk block inside the same window: not a loop.
    expect(hexOps(await ledger.read(A.create.suffix))).toEqual(hexOps(A.ops))
  })
})

describe('EvmLedger: reads', () => {
  it('reads one DID with one narrow eth_getLogs per change, never a wide scan', async () => {
    const dev = await fresh()
    const ledger = dev.ledger({ maxLogsRange: 4 })
    const A = await history('narrow', 2)
    const other = await creates('narrow-other', 3)
    const [c] = await ledger.submit([A.ops[0]!])
    await dev.mine(50)
    const [u1] = await ledger.submit([other[0]!, A.ops[1]!, other[1]!])
    await dev.mine(50)
    const [, u2] = await ledger.submit([other[2]!, A.ops[2]!])
    const [hc, h1, h2] = [c!.height, u1!.height, u2!.height]
    expect(h2 - hc).toBe(102)

    dev.calls.length = 0
    const all = await ledger.read(A.create.suffix)
    expect(all.map((r) => [r.height, r.position])).toEqual([
      [hc, 0],
      [h1, 1],
      [h2, 1],
    ])
    expect(hexOps(all)).toEqual(hexOps(A.ops))
    const windows = getLogs(dev.calls)
    expect(windows).toHaveLength(3)
    expect(windows.every((w) => w.to - w.from + 1 <= 4 && w.from <= w.to)).toBe(true)
    expect(windows.map((w) => w.to)).toEqual([h2, h1, hc])

    const read = async (options: { afterHeight?: number; untilHeight?: number }) => {
      dev.calls.length = 0
      const heights = (await ledger.read(A.create.suffix, options)).map((r) => r.height)
      return { heights, windows: getLogs(dev.calls) }
    }
    // afterHeight ends the walk early; untilHeight filters.
    expect(await read({ afterHeight: h1 })).toEqual({ heights: [h2], windows: [{ from: h2 - 3, to: h2 }] })
    expect((await read({ afterHeight: hc })).heights).toEqual([h1, h2])
    expect((await read({ afterHeight: h1 - 1 })).windows).toEqual([
      { from: h2 - 3, to: h2 },
      { from: h1, to: h1 },
    ])
    expect((await read({ untilHeight: h1 })).heights).toEqual([hc, h1])
    expect((await read({ untilHeight: h1 - 1 })).heights).toEqual([hc])
    expect((await read({ afterHeight: hc, untilHeight: h2 - 1 })).heights).toEqual([h1])
    expect((await read({ afterHeight: h2 })).windows).toEqual([])
    // A page walks the change chain without decoding, keeps the lowest windows that hold it, and
    // fetches only those again: a page of one is the oldest window.
    dev.calls.length = 0
    expect((await ledger.read(A.create.suffix, { limit: 1 })).map((r) => r.height)).toEqual([hc])
    expect(getLogs(dev.calls).map((w) => w.to)).toEqual([h2, h1, hc, hc])
    dev.calls.length = 0
    expect((await ledger.read(A.create.suffix, { limit: 1, after: { height: hc, position: 0 } })).map((r) => r.height)).toEqual([h1])
    // The cursor's own block may hold more of the key's events: the walk goes down to it.
    expect(getLogs(dev.calls).map((w) => w.to)).toEqual([h2, h1, hc, h1])
  })

  it('counts a block as final only under `confirmations` blocks, for reads and for submits', async () => {
    const dev = await fresh()
    const writer = dev.ledger()
    const final = dev.ledger({ confirmations: 2, timeoutMs: 300 })
    const [a, b] = await creates('confirm', 2)
    const [ra] = await writer.submit([a!])
    const h = ra!.height
    expect(await writer.head()).toEqual({ height: h, time: ra!.time, finalizedHeight: h })
    expect(await final.head()).toEqual({ height: h, time: ra!.time, finalizedHeight: h - 2 })
    expect(await final.read(a!.suffix)).toEqual([])
    expect(await final.batch(h)).toBeUndefined()
    await dev.mine(1)
    expect((await final.head()).finalizedHeight).toBe(h - 1)
    expect(await final.read(a!.suffix)).toEqual([])
    await dev.mine(1)
    expect((await final.head()).finalizedHeight).toBe(h)
    expect((await final.read(a!.suffix)).map((r) => r.height)).toEqual([h])
    expect((await final.batch(h))!.operations).toEqual([a!.cid])

    const err = await expectRejects(
      final.submit([b!]),
      LedgerUnavailableError,
      'ERR_GRID_LEDGER_UNAVAILABLE',
      /^transaction 0x[0-9a-f]{64} not final after 300 ms; submitting the same operations again is safe$/,
    )
    expect(err.message).toContain(keccak256(sends(dev.calls).at(-1)!.params[0] as Hex))
    const anchoredAt = (await anchoredEvents(dev)).find((e) => e.digest === bytesHex(b!.digest))!.blockNumber
    expect(await final.read(b!.suffix)).toEqual([])
    await dev.mine(2)
    const before = sends(dev.calls).length
    const [rb] = await final.submit([b!])
    expect(sends(dev.calls).length).toBe(before)
    expect(rb).toMatchObject({ cid: b!.cid, height: anchoredAt, position: 0 })
    expect((await final.read(b!.suffix)).map((r) => r.height)).toEqual([anchoredAt])
  })
})

describe('EvmLedger: outages are not "not found"', () => {
  it('reports an unreachable node as unavailable, and a resolver over it as internalError', async () => {
    const registry = addr(generatePrivateKey())
    const down = new EvmLedger({ rpc: 'http://127.0.0.1:1', registry, timeoutMs: 2_000 })
    await expectRejects(down.head(), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /^eth_getBlockByNumber failed: /)
    const { create } = await newDid('outage')
    const result = await new GridResolver({ networks: { test: down } }).resolve(create.did)
    expect(result.didResolutionMetadata.error).toBe('internalError')
    expect(result.didResolutionMetadata.message).toMatch(/the ledger of network "test" failed: eth_getBlockByNumber failed/)
    expect(result.didDocument).toBeNull()
  })

  it('reports an address without the registry as unavailable', async () => {
    const dev = await fresh()
    const empty = addr(generatePrivateKey())
    const nothing = new EvmLedger({ rpc: dev.provider, registry: empty })
    await expectRejects(
      nothing.info(),
      LedgerUnavailableError,
      'ERR_GRID_LEDGER_UNAVAILABLE',
      new RegExp(`^no contract at ${empty} on chain 1337$`),
    )
    await expectRejects(
      nothing.read((await newDid('nowhere')).create.suffix),
      LedgerUnavailableError,
      'ERR_GRID_LEDGER_UNAVAILABLE',
      /^no contract at 0x/,
    )

    // A contract that is not a registry (runtime code: STOP).
    const deployer = privateKeyToAccount(dev.admin)
    const nonce = Number(await dev.chain.request({ method: 'eth_getTransactionCount', params: [deployer.address, 'pending'] }))
    const raw = await deployer.signTransaction({
      type: 'legacy',
      chainId: 1337,
      nonce,
      gas: 100_000n,
      gasPrice: 0n,
      data: '0x6001600c60003960016000f300',
      value: 0n,
    })
    const hash = await dev.chain.request({ method: 'eth_sendRawTransaction', params: [raw] })
    const { contractAddress } = (await dev.chain.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as {
      contractAddress: Address
    }
    expect(await dev.chain.request({ method: 'eth_getCode', params: [contractAddress, 'latest'] })).toBe('0x00')
    const other = new EvmLedger({ rpc: dev.provider, registry: contractAddress })
    await expectRejects(other.info(), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /^no did:grid registry at 0x[0-9a-fA-F]{40}$/)
  })

  it('reports a closed chain as unavailable', async () => {
    const dev = await fresh()
    const ledger = dev.ledger()
    const { create } = await newDid('closed')
    await ledger.submit([create])
    await dev.close()
    const err = await expectRejects(
      ledger.head(),
      LedgerUnavailableError,
      'ERR_GRID_LEDGER_UNAVAILABLE',
      /^eth_getBlockByNumber failed: The Provider is disconnected from all chains\.$/,
    )
    // EIP-1193 code 4900 (disconnected), with the chain's own words kept in the cause.
    expect((err.cause as { code?: unknown }).code).toBe(4900)
    expect((err.cause as Error).message).toMatch(/the dev chain is closed/)
    await expectRejects(
      ledger.read(create.suffix),
      LedgerUnavailableError,
      'ERR_GRID_LEDGER_UNAVAILABLE',
      /failed: The Provider is disconnected from all chains\.$/,
    )
    const result = await new GridResolver({ networks: { test: ledger } }).resolve(create.did)
    expect(result.didResolutionMetadata.error).toBe('internalError')
  })
})

describe('EvmLedger and deployRegistry: arguments', () => {
  it('names the bad argument', async () => {
    const dev = await fresh()
    const rpc = dev.provider
    const registry = dev.registry
    const cases: [() => unknown, ErrorConstructor, RegExp][] = [
      [() => new EvmLedger(null as never), TypeError, /^options must be an object$/],
      [() => new EvmLedger({ rpc, registry: '0x12' }), TypeError, /^registry must be a 0x-prefixed 20-byte address$/],
      [() => new EvmLedger({ rpc, registry: 42 as never }), TypeError, /^registry must be/],
      [() => new EvmLedger({ rpc: 'ftp://x', registry }), TypeError, /^rpc must be an http\(s\) URL, got ftp:$/],
      [
        () => new EvmLedger({ rpc: 'not a url', registry }),
        TypeError,
        /^rpc must be an http\(s\) URL or an EIP-1193 provider, got "not a url"$/,
      ],
      [() => new EvmLedger({ rpc: {} as Eip1193Provider, registry }), TypeError, /^rpc must be an http\(s\) URL or an EIP-1193 provider$/],
      [
        () => new EvmLedger({ rpc, registry, account: '0x12' }),
        TypeError,
        /^account must be a 0x-prefixed 32-byte private key or a viem local account$/,
      ],
      [() => new EvmLedger({ rpc, registry, account: {} as never }), TypeError, /^account must be/],
      [() => new EvmLedger({ rpc, registry, maxLogsRange: 0 }), RangeError, /^maxLogsRange must be an integer >= 1$/],
      [() => new EvmLedger({ rpc, registry, confirmations: -1 }), RangeError, /^confirmations must be an integer >= 0$/],
      [() => new EvmLedger({ rpc, registry, maxOperations: 1.5 }), RangeError, /^maxOperations must be an integer >= 1$/],
      [
        () => new EvmLedger({ rpc, registry, maxOperations: 1001 }),
        RangeError,
        /^maxOperations must be at most 1000 \(the registry refuses larger batches\)$/,
      ],
      [() => new EvmLedger({ rpc, registry, maxTransactionGas: 99_999 }), RangeError, /^maxTransactionGas must be an integer >= 100000$/],
      [() => new EvmLedger({ rpc, registry, timeoutMs: 0 }), RangeError, /^timeoutMs must be an integer >= 1$/],
    ]
    for (const [make, type, message] of cases) {
      expect(make).toThrow(type)
      expect(make).toThrow(message)
    }
    const ledger = dev.ledger()
    await expect(ledger.isWriter('0x12')).rejects.toThrow(TypeError)
    await expect(ledger.isWriter('0x12')).rejects.toThrow(/^not an address: 0x12$/)

    const deploys: [Promise<unknown>, ErrorConstructor, RegExp][] = [
      [deployRegistry({ rpc } as never), TypeError, /^account is required to deploy the registry$/],
      [
        deployRegistry({ rpc, account: dev.admin, artifact: { abi: [], bytecode: '0x6' } }),
        TypeError,
        /^artifact must have an abi array and 0x-hex bytecode$/,
      ],
      [
        deployRegistry({ rpc, account: dev.admin, artifact: { abi: {} as never, bytecode: '0x00' } }),
        TypeError,
        /^artifact must have an abi array/,
      ],
      [deployRegistry({ rpc, account: dev.admin, writers: ['0x12'] }), TypeError, /^not an address: 0x12$/],
      [deployRegistry({ rpc: 'ftp://x', account: dev.admin }), TypeError, /^rpc must be an http\(s\) URL, got ftp:$/],
    ]
    for (const [promise, type, message] of deploys) {
      let caught: unknown
      try {
        await promise
      } catch (err) {
        caught = err
      }
      expect(caught).toBeInstanceOf(type)
      expect((caught as Error).message).toMatch(message)
    }
    // None of them sent anything.
    expect(sends(dev.calls)).toEqual([])
  })
})

describe('ChainIndex', () => {
  it('resumes after a restart from the block after the last one it synced', async () => {
    const dev = await fresh()
    const ledger = dev.ledger()
    const path = indexFile()
    const A = await history('resume', 2)
    const [r0] = await ledger.submit([A.ops[0]!])
    let index = new ChainIndex(path, ledger, { create: true })
    expect(index.synced).toBe(0)
    expect(await index.sync()).toEqual({ from: dev.deployedAt, to: r0!.height, operations: 1, skipped: 0 })
    expect(index.synced).toBe(r0!.height)
    expect(await index.sync()).toEqual({ from: 0, to: r0!.height, operations: 0, skipped: 0 })

    const more = await creates('resume-more', 2)
    const r1 = await ledger.submit([A.ops[1]!, more[0]!])
    await dev.mine(3)
    const r2 = await ledger.submit([more[1]!, A.ops[2]!])
    await index.close()

    dev.calls.length = 0
    index = new ChainIndex(path, dev.ledger())
    expect(index.synced).toBe(r0!.height)
    expect(await index.sync()).toEqual({ from: r0!.height + 1, to: r2[0]!.height, operations: 4, skipped: 0 })
    expect(getLogs(dev.calls)[0]).toEqual({ from: r0!.height + 1, to: r2[0]!.height })
    expect(getLogs(dev.calls).every((w) => w.from > dev.deployedAt)).toBe(true)
    expect(hexOps(await index.read(A.create.suffix))).toEqual(hexOps(A.ops))
    expect((await index.read(A.create.suffix)).map((r) => [r.height, r.position])).toEqual([
      [r0!.height, 0],
      [r1[0]!.height, 0],
      [r2[1]!.height, 1],
    ])
    expect(await index.batch(r1[0]!.height)).toEqual(await ledger.batch(r1[0]!.height))
    const tip = await ledger.head()
    expect(await index.head()).toEqual({ height: tip.height, time: tip.time, finalizedHeight: tip.height })
    await index.close()
  })

  it('refuses a file that indexes another registry', async () => {
    const dev = await fresh()
    const path = indexFile()
    const index = new ChainIndex(path, dev.ledger(), { create: true })
    await index.sync()
    await index.close()
    const { address, blockNumber } = await deployRegistry({ rpc: dev.provider, account: dev.admin })
    const other = new ChainIndex(path, new EvmLedger({ rpc: dev.provider, registry: address }))
    await expectRejects(
      other.sync(),
      LedgerCorruptError,
      'ERR_GRID_LEDGER_CORRUPT',
      new RegExp(`^${path} indexes evm:1337:${dev.registry}:${dev.deployedAt}, not evm:1337:${address}:${blockNumber}: use another file`),
    )
    expect(other.synced).toBe(dev.deployedAt)
    await other.close()
  })

  it('commits every step of a long sync, so a failure keeps the steps before it', async () => {
    const dev = await fresh()
    const path = indexFile()
    let index = new ChainIndex(path, dev.ledger(), { create: true, stepBlocks: 3 })
    await index.sync()
    const s = index.synced
    const ops = await creates('steps', 2)
    await dev.mine(4)
    const [r] = await dev.ledger().submit([ops[0]!])
    await dev.mine(5)
    expect(await head(dev)).toBe(s + 10)

    dev.calls.length = 0
    expect(await index.sync()).toEqual({ from: s + 1, to: s + 10, operations: 1, skipped: 0 })
    expect(getLogs(dev.calls)).toEqual([
      { from: s + 1, to: s + 3 },
      { from: s + 4, to: s + 6 },
      { from: s + 7, to: s + 9 },
      { from: s + 10, to: s + 10 },
    ])
    expect(index.synced).toBe(s + 10)
    expect((await index.read(ops[0]!.suffix)).map((x) => x.height)).toEqual([r!.height])
    await index.close()

    // A node that fails the third step: the first two stay committed, the next sync goes on from there.
    await dev.ledger().submit([ops[1]!])
    await dev.mine(8)
    let logCalls = 0
    const flaky: Eip1193Provider = {
      request(args) {
        if (args.method === 'eth_getLogs' && ++logCalls === 3)
          return Promise.reject(Object.assign(new Error('upstream connect error'), { code: -32603 }))
        return dev.provider.request(args)
      },
    }
    index = new ChainIndex(path, new EvmLedger({ rpc: flaky, registry: dev.registry }), { stepBlocks: 3 })
    await expectRejects(index.sync(), LedgerUnavailableError, 'ERR_GRID_LEDGER_UNAVAILABLE', /^eth_getLogs failed: /)
    expect(index.synced).toBe(s + 16)
    expect(await index.sync()).toEqual({ from: s + 17, to: s + 19, operations: 0, skipped: 0 })
    expect((await index.read(ops[1]!.suffix)).length).toBe(1)
    await index.close()
  })

  it('follows the chain in the background and reports failures', async () => {
    const dev = await fresh()
    const errors: unknown[] = []
    const index = new ChainIndex(indexFile(), new EvmLedger({ rpc: dev.provider, registry: dev.registry }), {
      create: true,
      onError: (err) => errors.push(err),
    })
    expect(() => index.start(0)).toThrow(RangeError)
    expect(() => index.start(0)).toThrow(/^intervalMs must be an integer >= 1$/)
    index.start(20)
    const { create } = await newDid('follow')
    const [receipt] = await dev.ledger().submit([create])
    let found: unknown[] = []
    for (let i = 0; i < 100 && found.length === 0; i++) {
      found = await index.read(create.suffix)
      if (found.length === 0) await new Promise((resolve) => setTimeout(resolve, 20))
    }
    expect(found).toHaveLength(1)
    expect(index.synced).toBeGreaterThanOrEqual(receipt!.height)
    expect(index.lastError).toBeUndefined()
    expect(errors).toEqual([])

    await dev.close()
    for (let i = 0; i < 100 && errors.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20))
    expect(errors.length).toBeGreaterThan(0)
    expect(errors[0]).toBeInstanceOf(LedgerUnavailableError)
    expect((errors[0] as GridError).code).toBe('ERR_GRID_LEDGER_UNAVAILABLE')
    expect((errors[0] as Error).message).toMatch(/^eth_getBlockByNumber failed: The Provider is disconnected from all chains\.$/)
    expect(index.lastError).toBeInstanceOf(LedgerUnavailableError)
    // Reads still answer from what was indexed.
    expect(await index.read(create.suffix)).toHaveLength(1)
    await index.close()
  })

  it('answers as of its synced block: a height above it is not reached yet', async () => {
    const dev = await fresh()
    const ledger = dev.ledger()
    const A = await history('reached', 1)
    const [r0] = await ledger.submit([A.ops[0]!])
    const index = new ChainIndex(indexFile(), ledger, { create: true })
    await index.sync()
    const synced = index.synced
    expect(synced).toBe(r0!.height)
    expect(await index.head()).toEqual({ height: synced, time: await ledger.blockTime(synced), finalizedHeight: synced })

    const [r1] = await ledger.submit([A.ops[1]!])
    const resolver = new GridResolver({ networks: { test: index } })
    expect((await resolver.timeline(A.create.did, synced)).versions.map((v) => v.cid)).toEqual([A.ops[0]!.cid])
    let caught: unknown
    try {
      await resolver.timeline(A.create.did, r1!.height)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(HeightNotReachedError)
    expect((caught as HeightNotReachedError).code).toBe('ERR_GRID_HEIGHT_NOT_REACHED')
    expect((caught as Error).message).toBe(`ledger height ${r1!.height} is above the finalized height ${synced}`)
    expect((caught as HeightNotReachedError).finalizedHeight).toBe(synced)

    await index.sync()
    expect((await resolver.timeline(A.create.did, r1!.height)).versions.map((v) => v.cid)).toEqual([A.ops[0]!.cid, A.ops[1]!.cid])
    expect(await index.head()).toEqual({ height: r1!.height, time: r1!.time, finalizedHeight: r1!.height })
    await index.close()
  })
})
