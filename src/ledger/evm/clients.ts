import { createPublicClient, createWalletClient, custom, http, type LocalAccount, type Transport } from '../peers/viem.js'
import type { Eip1193Provider } from '../eip1193.js'
import { unavailable } from './rpc.js'

/**
 * viem's transport for a typed client (the role gate's administration): an http(s) URL, retried
 * twice, or an EIP-1193 provider as it is.
 */
export function clientTransportOf(rpc: string | Eip1193Provider): Transport {
  if (typeof rpc === 'string') {
    if (!/^https?:\/\//.test(rpc)) throw new TypeError(`rpc must be an http(s) URL or an EIP-1193 provider, got ${JSON.stringify(rpc)}`)
    return http(rpc, { retryCount: 2 })
  }
  if (typeof rpc?.request !== 'function') throw new TypeError('rpc must be an http(s) URL or an EIP-1193 provider')
  return custom(rpc, { retryCount: 0 })
}

/** viem's public client over `rpc`, polling every 250 ms over HTTP and every 10 ms in process. */
export function publicClientOf(rpc: string | Eip1193Provider) {
  return createPublicClient({ transport: clientTransportOf(rpc), pollingInterval: typeof rpc === 'string' ? 250 : 10 })
}

/** viem's wallet client over `rpc`, signing locally with `account`. */
export function walletClientOf(rpc: string | Eip1193Provider, account: LocalAccount) {
  return createWalletClient({ account, transport: clientTransportOf(rpc) })
}

/** Runs a node call; whatever fails that is not already ours is the node's failure ({@link LedgerUnavailableError}). */
export async function onNode<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call()
  } catch (cause) {
    throw unavailable(what, cause)
  }
}
