import type { PrivateKeyAccount } from 'viem/accounts'
import { keystoreAddress, openAccountKeystore } from './keystore.js'
import { writerPassphrase } from './prompt.js'

/** An admin, deployer or attestor account (viem) from an EVM account keystore, checked against the address the file shows. */
export async function accountFromKeystore(file: string, passphrase: () => Promise<string>): Promise<PrivateKeyAccount> {
  const { privateKeyToAccount } = await import('../ledger/peers/viem.js')
  return privateKeyToAccount(openAccountKeystore(file, await passphrase(), (k) => privateKeyToAccount(k).address))
}

/**
 * An account argument: a 0x address, or an EVM account keystore. The keystore is unlocked (with
 * `$GRID_DID_WRITER_PASSPHRASE_FILE` or `$GRID_DID_WRITER_PASSPHRASE`, else the passphrase) and its readable address checked against the
 * key, since that address goes on the allow-list: an edited file is `ERR_GRID_KEYSTORE_MISMATCH`.
 */
export async function addressArg(value: string, passphrase: () => Promise<string>): Promise<`0x${string}`> {
  if (/^0x[0-9a-fA-F]{40}$/.test(value)) return value as `0x${string}`
  const { privateKeyToAccount } = await import('../ledger/peers/viem.js')
  const address = keystoreAddress(value) as `0x${string}`
  openAccountKeystore(value, writerPassphrase() ?? (await passphrase()), (k) => privateKeyToAccount(k).address)
  return address
}
