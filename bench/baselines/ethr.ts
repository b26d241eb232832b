/**
 * Baseline for "resolve a DID with N updates, warm": `ethr-did-resolver` resolving a did:ethr whose
 * identity made N attribute changes on the same in-process EVM as did:grid's registry. The ERC-1056
 * `EthereumDIDRegistry` comes from the `ethr-did-registry` package's compiled artifact; every
 * transaction is signed here with gas price 0 (the dev chain's `eth_gasPrice` answers 1 gwei, which
 * zero-balance accounts cannot pay).
 */
import { Resolver, type DIDResolutionResult } from 'did-resolver'
import { createRequire } from 'node:module'
import type { BrowserProvider as BrowserProviderClass } from 'ethers' with { 'resolution-mode': 'require' }
// CommonJS whose exports Node's ESM loader cannot name: take the default export.
import ethrDidRegistry from 'ethr-did-registry'
import { getResolver } from 'ethr-did-resolver'
import { encodeDeployData, encodeFunctionData, getAddress, stringToHex, toHex, type Abi, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import type { Eip1193Provider } from '../../src/ledger/evm.js'
import { Ed25519KeyPair } from '../../src/index.js'

// ethr-did-resolver's ESM entry wraps its CommonJS build, which requires ethers' CommonJS build: take
// the provider from that same copy (one ethers in the process, and the types its signatures name).
const { BrowserProvider } = createRequire(import.meta.url)('ethers') as { BrowserProvider: typeof BrowserProviderClass }

const ARTIFACT = ethrDidRegistry.EthereumDIDRegistry as { abi: Abi; bytecode: Hex }

/** Name of the network in the DIDs (`did:ethr:<NETWORK>:0x…`) and in the resolver's configuration. */
export const NETWORK = 'gridbench'

/** One year, in seconds: every attribute stays valid for the whole run. */
const VALIDITY = 365n * 24n * 3600n

/** Options of {@link ethrBaseline}. */
export interface EthrBaselineOptions {
  /**
   * ethers' request cache, in milliseconds: identical provider requests within it share one answer.
   * Default 250, ethers' own default and so what ethr-did-resolver users run. It serves the
   * `eth_getLogs` of fixed change blocks and the `eth_getBlockByNumber` of the version block; the
   * `changed(identity)` `eth_call` bypasses it (ethers sends calls uncached), so a new change is still
   * seen at once: a warm cache keyed to the chain's state, like did:grid's. -1 turns it off, and every
   * resolve reads the whole change chain (1 + changes + 1 calls), the analogue of `cache: false`.
   */
  cacheTimeout?: number
  /**
   * ethers' request queue: its JSON-RPC providers send every call from a `setTimeout` (0 ms for
   * `BrowserProvider`, which Node rounds up to 1 ms), so twelve sequential calls wait about 12 ms
   * for timers alone. Default false: the same `BrowserProvider`, decoding included, hands each call
   * straight to the chain, as viem's `custom` transport under did:grid's ledger does.
   */
  ethersQueue?: boolean
}

/** What {@link ethrBaseline} returns. */
export interface EthrBaseline {
  did: string
  /** The registry's address on the chain. */
  registry: Address
  /** Resolves `did` through `did-resolver`'s `Resolver` (its own cache off). */
  resolve(): Promise<DIDResolutionResult>
  /** Throws unless `result` is the document of `did` with exactly the changes written, no more, no fewer. */
  check(result: DIDResolutionResult): void
  /** JSON-RPC calls the resolver has sent so far, by method (setup transactions not included). */
  readonly calls: ReadonlyMap<string, number>
}

/**
 * A did:ethr with `changes` attribute changes on `chain`, and a warm resolver for it: deploys the
 * ERC-1056 registry, then the identity sets `changes` attributes itself, alternating an Ed25519
 * verification key (`did/pub/Ed25519/veriKey/base64`) and a service (`did/svc/MessagingService`).
 * With one block per transaction, every change sits in its own block, as did:grid updates do.
 * Resolves once before returning and throws if the document does not carry exactly those changes.
 */
export async function ethrBaseline(
  chain: Eip1193Provider & { chainId: number },
  changes: number,
  options: EthrBaselineOptions = {},
): Promise<EthrBaseline> {
  if (!Number.isSafeInteger(changes) || changes < 0) throw new RangeError(`changes must be a non-negative integer, got ${changes}`)
  const deployer = privateKeyToAccount(generatePrivateKey())
  const { contractAddress } = await send(chain, deployer, undefined, encodeDeployData({ abi: ARTIFACT.abi, bytecode: ARTIFACT.bytecode }))
  if (!contractAddress) throw new Error('ERC-1056 registry deployment gave no contract address')
  const registry = getAddress(contractAddress)

  const identity = privateKeyToAccount(generatePrivateKey())
  const expected = expectedChanges(changes)
  for (const change of expected) {
    const data = encodeFunctionData({
      abi: ARTIFACT.abi,
      functionName: 'setAttribute',
      args: [identity.address, stringToHex(change.name, { size: 32 }), change.value, VALIDITY],
    })
    await send(chain, identity, registry, data)
  }

  const calls = new Map<string, number>()
  const counted = {
    request(args: { method: string; params?: readonly unknown[] | object }) {
      calls.set(args.method, (calls.get(args.method) ?? 0) + 1)
      return chain.request(args)
    },
  }
  // staticNetwork: no eth_chainId probe before calls (the network is given).
  const Provider = options.ethersQueue ? BrowserProvider : UnqueuedBrowserProvider
  const provider = new Provider(
    counted,
    { chainId: chain.chainId, name: NETWORK },
    { staticNetwork: true, cacheTimeout: options.cacheTimeout ?? 250 },
  )
  const resolver = new Resolver(getResolver({ networks: [{ name: NETWORK, chainId: chain.chainId, provider, registry }] }))
  const did = `did:ethr:${NETWORK}:${identity.address}`
  const baseline: EthrBaseline = {
    did,
    registry,
    resolve: () => resolver.resolve(did),
    check: (result) => checkDocument(did, expected, result),
    calls,
  }
  baseline.check(await baseline.resolve())
  calls.clear()
  return baseline
}

/** ethers' `BrowserProvider` without its request queue: each call goes to the EIP-1193 provider at once. */
class UnqueuedBrowserProvider extends BrowserProvider {
  readonly #eip1193: Eip1193Provider

  constructor(eip1193: Eip1193Provider, ...rest: DropFirst<ConstructorParameters<typeof BrowserProvider>>) {
    super(eip1193, ...rest)
    this.#eip1193 = eip1193
  }

  override async send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    await this._start()
    try {
      return await this.#eip1193.request({ method, params })
    } catch (err) {
      // As the queue would: ethers' error for the node's { code, message, data }.
      const { code, message, data } = err as { code: number; message: string; data?: unknown }
      throw this.getRpcError({ method, params: params as unknown[], id: 0, jsonrpc: '2.0' }, { id: 0, error: { code, message, data } })
    }
  }
}
type DropFirst<T extends unknown[]> = T extends [unknown, ...infer R] ? R : never

interface Change {
  name: string
  value: Hex
  /** What the resolved document shows for it. */
  expect: { kind: 'key'; publicKeyBase64: string } | { kind: 'service'; serviceEndpoint: string }
}

/**
 * The `changes` attributes: fresh Ed25519 keys at even indexes, messaging services at odd ones, every
 * value distinct (the resolver keys events by name and value, so a repeated value would not count).
 */
function expectedChanges(changes: number): Change[] {
  return Array.from({ length: changes }, (_, i): Change => {
    if (i % 2 === 0) {
      const publicKey = Ed25519KeyPair.generate().publicKey
      // The resolver writes ethers' encodeBase64: standard alphabet, padded.
      return {
        name: 'did/pub/Ed25519/veriKey/base64',
        value: toHex(publicKey),
        expect: { kind: 'key', publicKeyBase64: Buffer.from(publicKey).toString('base64') },
      }
    }
    const serviceEndpoint = `https://msg-${i}.example/inbox`
    return { name: 'did/svc/MessagingService', value: stringToHex(serviceEndpoint), expect: { kind: 'service', serviceEndpoint } }
  })
}

/**
 * Throws unless `result` is the document of `did` carrying exactly `changes`: one
 * `Ed25519VerificationKey2018` method per key (beside the `#controller` recovery method, and listed
 * as an assertion method) and one `MessagingService` service per service, with the values written.
 */
function checkDocument(did: string, changes: readonly Change[], result: DIDResolutionResult): void {
  const doc = result.didDocument
  if (!doc) throw new Error(`did:ethr resolution of ${did} failed: ${JSON.stringify(result.didResolutionMetadata)}`)
  if (doc.id !== did) throw new Error(`did:ethr resolution of ${did} gave the document of ${doc.id}`)
  const keys = (doc.verificationMethod ?? []).filter((vm) => vm.id !== `${did}#controller`)
  const services = doc.service ?? []
  const assertion = new Set(doc.assertionMethod ?? [])
  const got = [
    ...keys.map((vm) =>
      vm.type === 'Ed25519VerificationKey2018' && assertion.has(vm.id)
        ? `key ${String(vm.publicKeyBase64)}`
        : `bad method ${JSON.stringify(vm)}`,
    ),
    ...services.map((s) => (s.type === 'MessagingService' ? `service ${String(s.serviceEndpoint)}` : `bad service ${JSON.stringify(s)}`)),
  ].sort()
  const want = changes.map(({ expect: e }) => (e.kind === 'key' ? `key ${e.publicKeyBase64}` : `service ${e.serviceEndpoint}`)).sort()
  if (got.length !== want.length || got.some((g, i) => g !== want[i])) {
    throw new Error(
      `did:ethr document of ${did} does not carry the ${changes.length} changes written:\n got  ${got.join('\n      ')}\n want ${want.join('\n      ')}`,
    )
  }
}

/** Signs a legacy transaction at gas price 0 with `account`, sends it and returns its (automined) receipt. */
async function send(
  chain: Eip1193Provider & { chainId: number },
  account: PrivateKeyAccount,
  to: Address | undefined,
  data: Hex,
): Promise<{ contractAddress: Hex | null }> {
  const call = { from: account.address, ...(to ? { to } : {}), data, gasPrice: '0x0' }
  const gas = BigInt((await chain.request({ method: 'eth_estimateGas', params: [call] })) as Hex)
  const nonce = Number(await chain.request({ method: 'eth_getTransactionCount', params: [account.address, 'pending'] }))
  const raw = await account.signTransaction({
    type: 'legacy',
    chainId: chain.chainId,
    nonce,
    gas: (gas * 5n) / 4n,
    gasPrice: 0n,
    ...(to ? { to } : {}),
    data,
  })
  const hash = await chain.request({ method: 'eth_sendRawTransaction', params: [raw] })
  const receipt = (await chain.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as {
    status: Hex
    contractAddress: Hex | null
  } | null
  if (!receipt || receipt.status !== '0x1') throw new Error(`transaction ${String(hash)} ${receipt ? 'reverted' : 'was not mined'}`)
  return receipt
}
