import { createClient, custom, http, rpcSchema, type Hex, type Transport } from '../peers/viem.js'
import { GridError, LedgerUnavailableError } from '../../errors.js'
import { messageOf } from '../../lib/message.js'
import type { Eip1193Provider } from '../eip1193.js'

/** A JSON-RPC call: method and positional parameters in, the node's result out. */
export type RpcCall = (method: string, params: readonly unknown[]) => Promise<unknown>

/** Any JSON-RPC method with positional parameters: the adapter names its methods and reads their results itself. */
type AnyRpcSchema = [{ Method: string; Parameters?: readonly unknown[]; ReturnType: unknown }]

/** A viem client over `transport` whose `request` takes any method (no cast at each call). */
export function rpcClientOf(transport: Transport) {
  return createClient({ transport, rpcSchema: rpcSchema<AnyRpcSchema>() })
}

/** viem's transport for an `rpc` option: HTTP(S) with two retries, or an EIP-1193 provider as is. */
export function transportOf(rpc: string | Eip1193Provider, timeoutMs = 60_000) {
  if (typeof rpc === 'string') {
    let url: URL
    try {
      url = new URL(rpc)
    } catch {
      throw new TypeError(`rpc must be an http(s) URL or an EIP-1193 provider, got ${JSON.stringify(rpc)}`)
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`rpc must be an http(s) URL, got ${url.protocol}`)
    return http(rpc, { timeout: Math.min(timeoutMs, 30_000), retryCount: 2 })
  }
  if (typeof rpc?.request !== 'function') throw new TypeError('rpc must be an http(s) URL or an EIP-1193 provider')
  return custom(rpc, { retryCount: 0 })
}

/** A node's failure as {@link LedgerUnavailableError} (our own errors pass through). */
export function unavailable(method: string, cause: unknown): GridError {
  if (cause instanceof GridError) return cause
  // viem's messages carry the request body; keep the first line (it never holds key material:
  // only signed transactions leave this process).
  return new LedgerUnavailableError(`${method} failed: ${messageOf(cause).split('\n')[0]}`, { cause })
}

/** The revert data inside an RPC error, wherever the transport put it. */
export function revertData(err: unknown): Hex | undefined {
  for (let e = err as { data?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 8; e = e.cause as typeof e, depth++) {
    const data = typeof e.data === 'object' && e.data !== null ? (e.data as { data?: unknown }).data : e.data
    if (typeof data === 'string' && /^0x[0-9a-fA-F]{8}/.test(data)) return data as Hex
  }
  return undefined
}

/**
 * Polls for the receipt of `hash` until its block has `confirmations` blocks on top of it; undefined
 * when that has not happened within `timeoutMs`.
 */
export async function finalReceipt<R extends { blockNumber: Hex }>(
  call: RpcCall,
  hash: Hex,
  confirmations: number,
  timeoutMs: number,
  pollMs: number,
): Promise<R | undefined> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const receipt = (await call('eth_getTransactionReceipt', [hash])) as R | null
    if (receipt && Number(await call('eth_blockNumber', [])) - Number(receipt.blockNumber) >= confirmations) return receipt
    if (Date.now() > deadline) return undefined
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
