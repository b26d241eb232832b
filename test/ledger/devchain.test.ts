import { Agent, request as httpRequest } from 'node:http'
import {
  ContractFunctionRevertedError,
  type BaseError,
  concat,
  createPublicClient,
  custom,
  decodeErrorResult,
  encodeErrorResult,
  http,
  toEventSelector,
  type Hex,
  type PrivateKeyAccount,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, describe, expect, it } from 'vitest'
import { createDevChain, type DevChain, type DevChainOptions, type Eip1193Provider } from '../../src/ledger/devchain.js'
import { serveRpc, type RpcServer, type RpcServerOptions } from '../../src/ledger/rpc-server.js'

const PING = toEventSelector('Ping()')

/**
 * A 52-byte contract: with empty calldata it emits `Ping()` (LOG1, no data) and stops; with any
 * calldata it reverts with that calldata, so a test chooses the revert data it gets back. No PUSH0,
 * so it runs from Paris on.
 */
const RUNTIME = concat([
  '0x36', //          CALLDATASIZE          [n]
  '0x80', //          DUP1                  [n n]
  '0x602b', //        PUSH1 0x2b            [n n 43]    43 = offset of the JUMPDEST below
  '0x57', //          JUMPI                 [n]         calldata → revert branch
  '0x7f', //          PUSH32 keccak("Ping()")
  PING, //                                  [n topic]
  '0x6000', //        PUSH1 0               [n topic 0]
  '0x80', //          DUP1                  [n topic 0 0]
  '0xa1', //          LOG1(offset 0, size 0, topic)
  '0x00', //          STOP
  '0x5b', //          JUMPDEST (43)         [n]
  '0x80', //          DUP1                  [n n]
  '0x6000', //        PUSH1 0               [n n 0]
  '0x80', //          DUP1                  [n n 0 0]
  '0x37', //          CALLDATACOPY(dest 0, from 0, size n)  [n]
  '0x6000', //        PUSH1 0               [n 0]
  '0xfd', //          REVERT(offset 0, size n)
])
/** Init code: copy the 52 (0x34) runtime bytes that follow these 11 (0x0b) into memory and return them. */
const INIT = concat([
  '0x6034', //        PUSH1 0x34            [52]
  '0x80', //          DUP1                  [52 52]
  '0x600b', //        PUSH1 0x0b            [52 52 11]
  '0x6000', //        PUSH1 0               [52 52 11 0]
  '0x39', //          CODECOPY(dest 0, from 11, size 52)  [52]
  '0x6000', //        PUSH1 0               [52 0]
  '0xf3', //          RETURN(offset 0, size 52)
  RUNTIME,
])

/** A custom error, as a Solidity contract would declare it. */
const ERRORS = [{ type: 'error', name: 'Denied', inputs: [{ name: 'code', type: 'uint256' }] }] as const
/**
 * Functions whose calldata is, byte for byte, the revert data of `Denied(uint256)` and `Error(string)`
 * (same signatures, so same selectors): called on the echo contract, they revert with those errors.
 * Kept apart from {@link ERRORS} because viem looks ABI items up by name.
 */
const ECHO = [
  { type: 'function', name: 'Denied', inputs: [{ name: 'code', type: 'uint256' }], outputs: [], stateMutability: 'view' },
  { type: 'function', name: 'Error', inputs: [{ name: 'message', type: 'string' }], outputs: [], stateMutability: 'view' },
] as const
const DENIED_42 = encodeErrorResult({ abi: ERRORS, errorName: 'Denied', args: [42n] })
const ERROR_STRING = encodeErrorResult({
  abi: [{ type: 'error', name: 'Error', inputs: [{ name: 'message', type: 'string' }] }],
  errorName: 'Error',
  args: ['not allowed'],
})

type RpcFailure = Error & { code: number; data?: unknown }

const cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

async function chain(options?: DevChainOptions): Promise<DevChain> {
  const c = await createDevChain(options)
  cleanup.push(() => c.close())
  return c
}

async function serve(provider: Eip1193Provider, options: RpcServerOptions = {}): Promise<RpcServer> {
  const s = await serveRpc(provider, { port: 0, ...options })
  cleanup.push(() => s.close())
  return s
}

async function failure(promise: Promise<unknown>): Promise<RpcFailure> {
  try {
    await promise
  } catch (err) {
    expect(err).toBeInstanceOf(Error)
    return err as RpcFailure
  }
  throw new Error('expected a rejection')
}

/** The `ContractFunctionRevertedError` inside a viem contract error (fails the test if there is none). */
function reverted(err: Error): ContractFunctionRevertedError {
  const found = (err as unknown as BaseError).walk((e) => e instanceof ContractFunctionRevertedError)
  expect(found, String(err)).toBeInstanceOf(ContractFunctionRevertedError)
  return found as ContractFunctionRevertedError
}

/** A locally signed legacy (EIP-155) transaction at gas price 0 with an explicit nonce and gas. */
function legacy(
  account: PrivateKeyAccount,
  nonce: number,
  fields: { to?: Hex; data?: Hex; value?: bigint; chainId?: number } = {},
): Promise<Hex> {
  return account.signTransaction({ type: 'legacy', chainId: 1337, nonce, gas: 100_000n, gasPrice: 0n, ...fields })
}

type Block = { number: Hex; timestamp: Hex; gasLimit: Hex; baseFeePerGas: Hex; transactions: Hex[] } & Record<string, unknown>
type Receipt = {
  status: Hex
  contractAddress: Hex | null
  blockNumber: Hex
  logs: { address: Hex; topics: Hex[]; data: Hex; transactionHash: Hex }[]
}

const block = (c: Eip1193Provider, tag: string) => c.request({ method: 'eth_getBlockByNumber', params: [tag, false] }) as Promise<Block>
const receipt = (c: Eip1193Provider, hash: unknown) =>
  c.request({ method: 'eth_getTransactionReceipt', params: [hash] }) as Promise<Receipt>
const sendRaw = (c: Eip1193Provider, tx: Hex) => c.request({ method: 'eth_sendRawTransaction', params: [tx] }) as Promise<Hex>

/** Deploys the echo contract from a fresh zero-balance account; returns the account and address. */
async function deploy(c: Eip1193Provider): Promise<{ account: PrivateKeyAccount; address: Hex }> {
  const account = privateKeyToAccount(generatePrivateKey())
  const r = await receipt(c, await sendRaw(c, await legacy(account, 0, { data: INIT })))
  expect(r.status).toBe('0x1')
  return { account, address: r.contractAddress! }
}

describe('createDevChain', () => {
  it('defaults to chain id 1337 on Shanghai, a 1e9 gas limit and base fee 0; options change them', async () => {
    const c = await chain()
    expect(c.chainId).toBe(1337)
    expect(await c.request({ method: 'eth_chainId' })).toBe('0x539')
    expect(await c.request({ method: 'net_version' })).toBe('1337')
    expect(await c.request({ method: 'eth_blockNumber' })).toBe('0x0')
    const genesis = await block(c, 'latest')
    expect(genesis).toMatchObject({ number: '0x0', gasLimit: '0x3b9aca00', baseFeePerGas: '0x0' })
    // Shanghai exactly: withdrawals (EIP-4895) but no blob gas (Cancun).
    expect(genesis).toHaveProperty('withdrawalsRoot')
    expect(genesis).not.toHaveProperty('blobGasUsed')
    expect(await c.request({ method: 'eth_accounts' })).toEqual([])

    const other = await chain({ chainId: 31337, blockGasLimit: 50_000_000n, initialTimestamp: 1_700_000_000 })
    expect(other.chainId).toBe(31337)
    expect(await other.request({ method: 'eth_chainId' })).toBe('0x7a69')
    expect(await block(other, '0x0')).toMatchObject({ gasLimit: '0x2faf080', timestamp: '0x6553f100', baseFeePerGas: '0x0' })
  })

  it.each([
    ['paris', { withdrawalsRoot: false, blobGasUsed: false, requestsHash: false }],
    ['shanghai', { withdrawalsRoot: true, blobGasUsed: false, requestsHash: false }],
    ['cancun', { withdrawalsRoot: true, blobGasUsed: true, requestsHash: false }],
    ['prague', { withdrawalsRoot: true, blobGasUsed: true, requestsHash: true }],
  ] as const)('runs %s (its block header fields) and the test contract on it', async (hardfork, fields) => {
    const c = await chain({ hardfork })
    const genesis = await block(c, 'latest')
    for (const [field, present] of Object.entries(fields)) expect(field in genesis, field).toBe(present)
    const { address } = await deploy(c)
    expect(await c.request({ method: 'eth_getCode', params: [address, 'latest'] })).toBe(RUNTIME)
  })

  it('refuses malformed options, naming the option', async () => {
    await expect(createDevChain({ chainId: '1' as never })).rejects.toThrow(new TypeError('options.chainId must be a number'))
    await expect(createDevChain({ chainId: 0 })).rejects.toThrow(new RangeError('options.chainId must be a positive safe integer, got 0'))
    await expect(createDevChain({ chainId: 1.5 })).rejects.toThrow(
      new RangeError('options.chainId must be a positive safe integer, got 1.5'),
    )
    await expect(createDevChain({ hardfork: 'osaka' as never })).rejects.toThrow(
      new RangeError('options.hardfork must be one of paris, shanghai, cancun, prague, got osaka'),
    )
    await expect(createDevChain({ hardfork: 'toString' as never })).rejects.toThrow(RangeError)
    await expect(createDevChain({ blockGasLimit: 30_000_000 as never })).rejects.toThrow(
      new TypeError('options.blockGasLimit must be a bigint'),
    )
    await expect(createDevChain({ blockGasLimit: 20_999n })).rejects.toThrow(
      new RangeError('options.blockGasLimit must be in [21000, 2^64), got 20999'),
    )
    await expect(createDevChain({ blockGasLimit: 2n ** 64n })).rejects.toThrow(RangeError)
    await expect(createDevChain({ initialTimestamp: '0' as never })).rejects.toThrow(
      new TypeError('options.initialTimestamp must be a number'),
    )
    await expect(createDevChain({ initialTimestamp: -1 })).rejects.toThrow(
      new RangeError('options.initialTimestamp must be a non-negative integer of Unix seconds, got -1'),
    )
  })

  it('a zero-balance account deploys and calls at gas price 0; one block per transaction, base fee stays 0, logs are found by topic', async () => {
    const c = await chain({ initialTimestamp: 1_700_000_000 })
    const account = privateKeyToAccount(generatePrivateKey())
    expect(await c.request({ method: 'eth_getBalance', params: [account.address, 'latest'] })).toBe('0x0')
    const estimate = BigInt((await c.request({ method: 'eth_estimateGas', params: [{ from: account.address, data: INIT }] })) as string)
    expect(estimate).toBeGreaterThan(53_000n) // contract creation base cost
    expect(estimate).toBeLessThan(100_000n)

    const deployHash = await sendRaw(c, await legacy(account, 0, { data: INIT }))
    expect(deployHash).toMatch(/^0x[0-9a-f]{64}$/)
    const deployed = await receipt(c, deployHash)
    expect(deployed).toMatchObject({ status: '0x1', blockNumber: '0x1', logs: [] })
    const address = deployed.contractAddress!
    expect(await c.request({ method: 'eth_getCode', params: [address, 'latest'] })).toBe(RUNTIME)
    expect(await c.request({ method: 'eth_getTransactionCount', params: [account.address, 'pending'] })).toBe('0x1')
    expect(await c.request({ method: 'eth_call', params: [{ to: address, data: '0x' }, 'latest'] })).toBe('0x')

    // The next block at a chosen time; then a block sharing that timestamp is allowed.
    const at = 1_800_000_000
    expect(await c.request({ method: 'evm_setNextBlockTimestamp', params: [`0x${at.toString(16)}`] })).toBe(String(at))
    const pingHash = await sendRaw(c, await legacy(account, 1, { to: address }))
    const ping = await receipt(c, pingHash)
    expect(ping.status).toBe('0x1')
    expect(ping.logs).toHaveLength(1)
    expect(ping.logs[0]).toMatchObject({ address, topics: [PING], data: '0x', transactionHash: pingHash })
    expect(Number((await block(c, ping.blockNumber)).timestamp)).toBe(at)
    await c.request({ method: 'evm_setNextBlockTimestamp', params: [at] })
    await c.request({ method: 'evm_mine' })
    expect(await block(c, 'latest')).toMatchObject({ number: '0x3', timestamp: `0x${at.toString(16)}` })
    const back = await failure(c.request({ method: 'evm_setNextBlockTimestamp', params: [at - 1] }))
    expect(back.code).toBe(-32000)
    expect(back.message).toBe(`Timestamp ${at - 1} is lower than the previous block's timestamp ${at}`)

    // A reverting transaction is mined with status 0, as on a node (the nonce is spent).
    const failedHash = await sendRaw(c, await legacy(account, 2, { to: address, data: DENIED_42 }))
    expect(await receipt(c, failedHash)).toMatchObject({ status: '0x0', blockNumber: '0x4', logs: [] })
    expect(await c.request({ method: 'eth_getTransactionCount', params: [account.address, 'latest'] })).toBe('0x3')

    expect(await c.request({ method: 'eth_blockNumber' })).toBe('0x4')
    for (let n = 0; n <= 4; n++) {
      const b = await block(c, `0x${n.toString(16)}`)
      expect(b.baseFeePerGas, `block ${n}`).toBe('0x0')
      expect(b.transactions, `block ${n}`).toHaveLength(n === 0 || n === 3 ? 0 : 1)
    }

    const logs = (await c.request({
      method: 'eth_getLogs',
      params: [{ fromBlock: '0x0', toBlock: 'latest', topics: [PING] }],
    })) as Receipt['logs']
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatchObject({ address, transactionHash: pingHash, topics: [PING] })
    expect(
      await c.request({ method: 'eth_getLogs', params: [{ fromBlock: '0x0', toBlock: 'latest', topics: [toEventSelector('Pong()')] }] }),
    ).toEqual([])
    expect(await c.request({ method: 'eth_getLogs', params: [{ fromBlock: '0x3', toBlock: 'latest', topics: [PING] }] })).toEqual([])
  })

  it('rejects a transaction the chain cannot take with its JSON-RPC error, and mines nothing', async () => {
    const c = await chain()
    const account = privateKeyToAccount(generatePrivateKey())
    const early = await failure(sendRaw(c, await legacy(account, 1, { data: INIT })))
    expect(early.code).toBe(-32000)
    expect(early.message).toBe("Nonce too high. Expected nonce to be 0 but got 1. Note that transactions can't be queued when automining.")
    expect(early).not.toHaveProperty('data')
    await sendRaw(c, await legacy(account, 0, { data: INIT }))
    const late = await failure(sendRaw(c, await legacy(account, 0, { data: INIT })))
    expect(late.code).toBe(-32000)
    expect(late.message).toBe("Nonce too low. Expected nonce to be 1 but got 0. Note that transactions can't be queued when automining.")
    const broke = await failure(sendRaw(c, await legacy(account, 1, { to: account.address, value: 1n })))
    expect(broke.code).toBe(-32000)
    expect(broke.message).toBe("Sender doesn't have enough funds to send tx. The max upfront cost is: 1 and the sender's balance is: 0.")
    const foreign = await failure(sendRaw(c, await legacy(account, 1, { to: account.address, chainId: 1 })))
    expect(foreign.code).toBe(-32602)
    expect(foreign.message).toBe('Trying to send an incompatible EIP-155 transaction, signed for another chain.')
    const unknown = await failure(c.request({ method: 'eth_nope', params: [] }))
    expect(unknown.code).toBe(-32004)
    expect(unknown.message).toBe('Method eth_nope is not supported')
    expect(await c.request({ method: 'eth_blockNumber' })).toBe('0x1')
  })

  it('runs requests in call order: transactions sent without awaiting all land', async () => {
    const c = await chain()
    const account = privateKeyToAccount(generatePrivateKey())
    const txs = await Promise.all(Array.from({ length: 30 }, (_, nonce) => legacy(account, nonce, { to: account.address })))
    const hashes = await Promise.all(txs.map((tx) => sendRaw(c, tx)))
    expect(new Set(hashes).size).toBe(30)
    expect(await c.request({ method: 'eth_blockNumber' })).toBe('0x1e')
    expect(await c.request({ method: 'eth_getTransactionCount', params: [account.address, 'latest'] })).toBe('0x1e')
  })

  it('a reverted eth_call / eth_estimateGas rejects like geth (code 3, revert bytes as data); viem decodes the custom error', async () => {
    const c = await chain()
    const { account, address } = await deploy(c)
    const call = await failure(c.request({ method: 'eth_call', params: [{ to: address, data: DENIED_42 }, 'latest'] }))
    expect(call.code).toBe(3)
    expect(call.message).toBe('execution reverted')
    expect(call.data).toBe(DENIED_42)
    expect(decodeErrorResult({ abi: ERRORS, data: call.data as Hex })).toMatchObject({ errorName: 'Denied', args: [42n] })
    const estimate = await failure(
      c.request({ method: 'eth_estimateGas', params: [{ from: account.address, to: address, data: DENIED_42 }] }),
    )
    expect(estimate.code).toBe(3)
    expect(estimate.message).toBe('execution reverted')
    expect(estimate.data).toBe(DENIED_42)
    const reason = await failure(c.request({ method: 'eth_call', params: [{ to: address, data: ERROR_STRING }, 'latest'] }))
    expect(reason.code).toBe(3)
    expect(reason.message).toBe('execution reverted: not allowed')
    expect(reason.data).toBe(ERROR_STRING)
    const empty = await failure(c.request({ method: 'eth_call', params: [{ to: address, data: '0x01' }, 'latest'] }))
    expect(empty.code).toBe(3)
    expect(empty.message).toBe('execution reverted')
    expect(empty.data).toBe('0x01')

    // viem retries codes it does not know (3 included) on a custom transport; a dev chain needs no retries.
    const client = createPublicClient({ transport: custom(c, { retryCount: 0 }) })
    const denied = reverted(await failure(client.readContract({ address, abi: ECHO, functionName: 'Denied', args: [42n] })))
    expect(denied.raw).toBe(DENIED_42)
    expect(decodeErrorResult({ abi: ERRORS, data: denied.raw! })).toMatchObject({ errorName: 'Denied', args: [42n] })
    const simulated = reverted(
      await failure(client.simulateContract({ address, abi: ECHO, functionName: 'Denied', args: [7n], account: account.address })),
    )
    expect(decodeErrorResult({ abi: ERRORS, data: simulated.raw! })).toMatchObject({ errorName: 'Denied', args: [7n] })
    const said = reverted(await failure(client.readContract({ address, abi: ECHO, functionName: 'Error', args: ['not allowed'] })))
    expect(said.reason).toBe('not allowed')
    const raw = await failure(client.call({ to: address, data: DENIED_42 }))
    expect((raw as unknown as BaseError).walk((e) => (e as { code?: unknown }).code === 3)).toMatchObject({ code: 3, data: DENIED_42 })
  })

  it('after close() every call fails with EIP-1193 code 4900; calls made before it finish; close is idempotent', async () => {
    const c = await chain()
    const before = c.request({ method: 'eth_blockNumber' })
    const closing = c.close()
    expect(c.close()).toBe(closing)
    await closing
    expect(await before).toBe('0x0')
    const after = await failure(c.request({ method: 'eth_blockNumber' }))
    expect(after.code).toBe(4900)
    expect(after.message).toBe('the dev chain is closed')
    await c.close()
    const viaViem = await failure(createPublicClient({ transport: custom(c) }).getBlockNumber())
    expect((viaViem as unknown as BaseError).shortMessage).toBe('The Provider is disconnected from all chains.')
  })

  it('refuses a malformed request object and params that are not JSON', async () => {
    const c = await chain()
    const bad = await failure(c.request({ method: 42 } as never))
    expect(bad.code).toBe(-32600)
    expect(bad.message).toBe('request() takes { method: string, params?: array }')
    const notJson = await failure(c.request({ method: 'eth_getBalance', params: [1n, 'latest'] }))
    expect(notJson.code).toBe(-32602)
    expect(notJson.message).toBe('params of eth_getBalance are not JSON: Do not know how to serialize a BigInt')
    const byName = await failure(c.request({ method: 'eth_chainId', params: { a: 1 } }))
    expect(byName.code).toBe(-32602)
    expect(byName.message).toMatch(/^invalid type: map, expected a sequence/)
  })
})

/** POSTs a raw body; returns status, headers and the parsed JSON (or the text). */
async function post(
  url: string,
  body: string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit)
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, headers: res.headers, json, text }
}

describe('serveRpc', () => {
  it('serves viem http(): reads the head, sends a transaction, decodes a revert', async () => {
    const c = await chain()
    const s = await serve(c)
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const client = createPublicClient({ transport: http(s.url) })
    expect(await client.getChainId()).toBe(1337)
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(0n)
    const account = privateKeyToAccount(generatePrivateKey())
    const hash = await client.sendRawTransaction({ serializedTransaction: await legacy(account, 0, { data: INIT }) })
    const r = await client.getTransactionReceipt({ hash })
    expect(r.status).toBe('success')
    expect(await client.getBlockNumber({ cacheTime: 0 })).toBe(1n)
    const denied = reverted(
      await failure(client.readContract({ address: r.contractAddress!, abi: ECHO, functionName: 'Denied', args: [9n] })),
    )
    expect(decodeErrorResult({ abi: ERRORS, data: denied.raw! })).toMatchObject({ errorName: 'Denied', args: [9n] })
    const raw = await post(
      s.url,
      JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'eth_call', params: [{ to: r.contractAddress, data: DENIED_42 }, 'latest'] }),
    )
    expect(raw.status).toBe(200)
    expect(raw.headers.get('content-type')).toBe('application/json')
    expect(raw.json).toEqual({ jsonrpc: '2.0', id: 5, error: { code: 3, message: 'execution reverted', data: DENIED_42 } })
  })

  it('answers a batch member by member, in order, without answering notifications', async () => {
    const c = await chain()
    const s = await serve(c)
    const account = privateKeyToAccount(generatePrivateKey())
    const txs = await Promise.all([0, 1, 2, 3, 4].map((n) => legacy(account, n, { to: account.address })))
    const batch = [
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId' },
      { jsonrpc: '2.0', method: 'eth_chainId' },
      ...txs.map((tx, n) => ({ jsonrpc: '2.0', id: `tx${n}`, method: 'eth_sendRawTransaction', params: [tx] })),
      { jsonrpc: '1.0', id: 2, method: 'eth_chainId' },
      { jsonrpc: '2.0', id: 3, method: 'eth_nope', params: [] },
      7,
      { jsonrpc: '2.0', id: null, method: 'eth_blockNumber' },
    ]
    const res = await post(s.url, JSON.stringify(batch))
    expect(res.status).toBe(200)
    const answers = res.json as { id: unknown; result?: unknown; error?: { code: number; message: string } }[]
    expect(answers.map((a) => a.id)).toEqual([1, 'tx0', 'tx1', 'tx2', 'tx3', 'tx4', 2, 3, null, null])
    expect(answers[0]).toEqual({ jsonrpc: '2.0', id: 1, result: '0x539' })
    for (const a of answers.slice(1, 6)) expect(a.result).toMatch(/^0x[0-9a-f]{64}$/)
    expect(answers[6]).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -32600, message: 'Invalid Request: jsonrpc must be "2.0"' } })
    expect(answers[7]).toMatchObject({ jsonrpc: '2.0', id: 3, error: { code: -32004, message: 'Method eth_nope is not supported' } })
    expect(answers[8]).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'Invalid Request: expected a JSON-RPC 2.0 request object' },
    })
    expect(answers[9]).toEqual({ jsonrpc: '2.0', id: null, result: '0x5' })

    const onlyNotifications = await post(s.url, JSON.stringify([{ jsonrpc: '2.0', method: 'eth_chainId' }]))
    expect(onlyNotifications.status).toBe(204)
    expect(onlyNotifications.text).toBe('')
  })

  it('answers -32700 to a body that is not JSON and -32600 to malformed requests, and keeps serving', async () => {
    const c = await chain()
    const s = await serve(c)
    const parse = await post(s.url, '{"jsonrpc": "2.0", "method"')
    expect(parse.status).toBe(200)
    expect(parse.json).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32700 } })
    expect((parse.json as { error: { message: string } }).error.message).toMatch(/^Parse error: /)
    const cases: [string, unknown, string][] = [
      ['42', null, 'Invalid Request: expected a JSON-RPC 2.0 request object'],
      ['[]', null, 'Invalid Request: empty batch'],
      ['{"jsonrpc":"2.0","id":{},"method":"eth_chainId"}', null, 'Invalid Request: id must be a string, a number or null'],
      ['{"jsonrpc":"2.0","id":"x","method":1}', 'x', 'Invalid Request: method must be a string'],
      ['{"jsonrpc":"2.0","id":8,"method":"eth_chainId","params":5}', 8, 'Invalid Request: params must be an array or an object'],
      ['{"id":9,"method":"eth_chainId"}', 9, 'Invalid Request: jsonrpc must be "2.0"'],
    ]
    for (const [body, id, message] of cases) {
      const res = await post(s.url, body)
      expect(res.status, body).toBe(200)
      expect(res.json, body).toEqual({ jsonrpc: '2.0', id, error: { code: -32600, message } })
    }
    const ok = await post(s.url, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}')
    expect(ok.json).toEqual({ jsonrpc: '2.0', id: 1, result: '0x539' })
  })

  it('405 for other HTTP methods, CORS preflight and GET for browser tools', async () => {
    const c = await chain()
    const s = await serve(c)
    const put = await fetch(s.url, { method: 'PUT', body: '{}' })
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('POST, GET, HEAD, OPTIONS')
    expect(await put.json()).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'HTTP PUT is not allowed: POST JSON-RPC requests' },
    })
    const preflight = await fetch(s.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://remix.ethereum.org',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
        'access-control-request-private-network': 'true',
      },
    })
    expect(preflight.status).toBe(204)
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*')
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST')
    expect(preflight.headers.get('access-control-allow-headers')).toBe('content-type')
    expect(preflight.headers.get('access-control-allow-private-network')).toBe('true')
    const get = await fetch(s.url)
    expect(get.status).toBe(200)
    expect(await get.text()).toMatch(/JSON-RPC 2\.0 endpoint/)
    const answer = await post(s.url, '{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}')
    expect(answer.headers.get('access-control-allow-origin')).toBe('*')
    expect(answer.headers.get('access-control-allow-private-network')).toBeNull()
  })

  it('413 for a body over maxBodyBytes, declared or streamed, and keeps serving', async () => {
    const c = await chain()
    const s = await serve(c, { maxBodyBytes: 1_000 })
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: ['x'.repeat(1_000)] })
    const declared = await post(s.url, body)
    expect(declared.status).toBe(413)
    expect(declared.json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: { code: -32600, message: 'the request body is larger than 1000 bytes' },
    })
    const chunks = [new TextEncoder().encode(body.slice(0, 600)), new TextEncoder().encode(body.slice(600))]
    const stream = new ReadableStream<Uint8Array>({ pull: (ctl) => (chunks.length > 0 ? ctl.enqueue(chunks.shift()!) : ctl.close()) })
    const streamed = await post(s.url, stream)
    expect(streamed.status).toBe(413)
    const fits = await post(s.url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: ['x'.repeat(900)] }))
    expect(fits.status).toBe(200)
    expect(fits.json).toMatchObject({ id: 1, error: { code: -32602 } })
    const ok = await post(s.url, '{"jsonrpc":"2.0","id":2,"method":"eth_blockNumber"}')
    expect(ok.json).toEqual({ jsonrpc: '2.0', id: 2, result: '0x0' })
  })

  it('hands calls to the provider one at a time, in arrival order', async () => {
    // Not EDR (which the dev chain already serialises): a provider that would interleave calls.
    const started: string[] = []
    let inFlight = 0
    let most = 0
    const provider: Eip1193Provider = {
      async request({ method }) {
        started.push(method)
        most = Math.max(most, ++inFlight)
        await new Promise((r) => setTimeout(r, method === 'slow' ? 50 : 1))
        inFlight--
        return method
      },
    }
    const s = await serve(provider)
    const first = post(s.url, JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'slow' }))
    while (started.length === 0) await new Promise((r) => setTimeout(r, 1))
    const batch = post(s.url, JSON.stringify(['b1', 'b2', 'b3'].map((method, id) => ({ jsonrpc: '2.0', id, method }))))
    expect((await first).json).toEqual({ jsonrpc: '2.0', id: 0, result: 'slow' })
    expect((await batch).json).toEqual(['b1', 'b2', 'b3'].map((result, id) => ({ jsonrpc: '2.0', id, result })))
    expect(started).toEqual(['slow', 'b1', 'b2', 'b3'])
    expect(most).toBe(1)
  })

  it("passes any provider's failures through, and reports answers JSON cannot carry", async () => {
    // Not EDR: the branches a provider other than the dev chain can reach.
    const provider: Eip1193Provider = {
      async request({ method }) {
        if (method === 'coded') throw Object.assign(new Error('limit exceeded'), { code: -32005, data: { retryAfter: 1 } })
        if (method === 'uncoded') throw new Error('socket hang up')
        if (method === 'bigint') return 1n
        return undefined
      },
    }
    const s = await serve(provider)
    const res = await post(
      s.url,
      JSON.stringify(['coded', 'uncoded', 'bigint', 'void'].map((method, id) => ({ jsonrpc: '2.0', id, method }))),
    )
    expect(res.json).toEqual([
      { jsonrpc: '2.0', id: 0, error: { code: -32005, message: 'limit exceeded', data: { retryAfter: 1 } } },
      { jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'socket hang up' } },
      {
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32603, message: "the provider's answer is not JSON: Do not know how to serialize a BigInt" },
      },
      { jsonrpc: '2.0', id: 3, result: null },
    ])
  })

  it('close() drops idle keep-alive connections at once and stops accepting; it is idempotent', async () => {
    const c = await chain()
    const s = await serve(c)
    const agent = new Agent({ keepAlive: true })
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(s.url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume()
        res.on('end', () => resolve(res.statusCode!))
      })
      req.on('error', reject)
      req.end('{"jsonrpc":"2.0","id":1,"method":"eth_chainId"}')
    })
    expect(status).toBe(200)
    const started = performance.now()
    const closing = s.close()
    expect(s.close()).toBe(closing)
    await closing
    // Well under the 5 s keep-alive timeout: the idle socket was closed, not waited for.
    expect(performance.now() - started).toBeLessThan(1_000)
    agent.destroy()
    await expect(fetch(s.url, { method: 'POST', body: '{}' })).rejects.toThrow(/fetch failed/)
  })

  it('refuses a non-provider and out-of-range options', async () => {
    await expect(serveRpc({} as never)).rejects.toThrow(
      new TypeError('provider must be an EIP-1193 provider (an object with a request function)'),
    )
    const c = await chain()
    await expect(serveRpc(c, { port: 70_000 })).rejects.toThrow(new RangeError('options.port must be an integer in [0, 65535], got 70000'))
    await expect(serveRpc(c, { maxBodyBytes: 0 })).rejects.toThrow(new RangeError('options.maxBodyBytes must be a positive integer, got 0'))
  })
})
