/**
 * Resolve a DID with 10 updates, warm, against did:ethr with 10 attribute changes on the same
 * in-process EVM (ERC-1056 from ethr-did-registry, resolved by ethr-did-resolver) and against
 * did:key (pure computation, the floor).
 */
import { generatePrivateKey } from 'viem/accounts'
import { Ed25519KeyPair, GridResolver, createDid, foldOperations, updateDid, type EncodedOperation } from '../src/index.js'
import { ChainIndex } from '../src/ledger/chain-index.js'
import { createDevChain } from '../src/ledger/devchain.js'
import { EvmLedger, deployRegistry } from '../src/ledger/evm.js'
import { ethrBaseline } from './baselines/ethr.js'
import { keyBaseline } from './baselines/key.js'
import { rate, type BenchContext } from './lib.js'

/** A DID with `updates` updates, each signed by the update key. */
export async function didWithUpdates(updates: number, network = 'bench'): Promise<{ did: string; ops: EncodedOperation[] }> {
  const key = Ed25519KeyPair.generate()
  const create = await createDid({ network, updateKey: key, recoveryKey: Ed25519KeyPair.generate() })
  const ops: EncodedOperation[] = [create]
  let state = foldOperations(create.did, [{ bytes: create.bytes, height: 1, position: 0, time: 0 }]).state!
  for (let i = 0; i < updates; i++) {
    const op = await updateDid(state, key, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://v${i}.example`] }] })
    ops.push(op)
    state = { ...state, head: op.cid }
  }
  return { did: create.did, ops }
}

export async function resolveBench(ctx: BenchContext): Promise<void> {
  const chain = await createDevChain()
  try {
    const ethr = await ethrBaseline(chain, 10)
    const key = await keyBaseline()
    const writer = generatePrivateKey()
    const { address } = await deployRegistry({ rpc: chain, account: writer })
    const evm = new EvmLedger({ rpc: chain, registry: address, account: writer })
    const { did, ops } = await didWithUpdates(10)
    for (const op of ops) await evm.submit([op]) // one block per change, as for did:ethr
    const index = new ChainIndex(':memory:', evm)
    await index.sync()
    const fromIndex = new GridResolver({ networks: { bench: index } })
    const fromChain = new GridResolver({ networks: { bench: evm } })
    for (const r of [fromIndex, fromChain]) {
      const result = await r.resolve(did)
      if (result.didDocumentMetadata.versionId !== '11')
        throw new Error(`expected version 11, got ${JSON.stringify(result.didDocumentMetadata)}`)
    }
    ethr.check(await ethr.resolve())
    key.check(await key.resolve())

    const n = Math.round(5000 * ctx.scale)
    const ethrRate = await rate(Math.max(100, Math.round(n / 20)), () => ethr.resolve())
    const keyRate = await rate(n, () => key.resolve())
    const indexRate = await rate(n * 4, () => fromIndex.resolve(did))
    const chainRate = await rate(n, () => fromChain.resolve(did))
    ctx.record({
      name: 'resolve, 10 updates, warm, chain index (the endpoint)',
      value: indexRate,
      unit: 'resolves/s',
      baseline: 'ethr-did-resolver, 10 changes, same EVM',
      baselineValue: ethrRate,
      target: '≥ 20× ethr',
      met: indexRate / ethrRate >= 20,
    })
    ctx.record({
      name: 'resolve, 10 updates, warm, straight from the chain',
      value: chainRate,
      unit: 'resolves/s',
      baseline: 'ethr-did-resolver, 10 changes, same EVM',
      baselineValue: ethrRate,
      target: '≥ 20× ethr',
      met: chainRate / ethrRate >= 20,
    })
    ctx.record({
      name: 'resolve, 10 updates, warm, chain index (the endpoint)',
      value: indexRate,
      unit: 'resolves/s',
      baseline: 'key-did-resolver (did:key, pure compute)',
      baselineValue: keyRate,
      target: '≤ 3× did:key time',
      met: indexRate / keyRate >= 1 / 3,
    })
    await index.close()
  } finally {
    await chain.close()
  }
}
