import { createDevChain } from 'grid-did/ledger/devchain'
import { deployGate, GATE_ARTIFACT } from 'grid-did/gate'
import { encodeFunctionData, decodeErrorResult, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
const chain = await createDevChain({ initialTimestamp: 1_750_000_000 })
const admin = privateKeyToAccount(generatePrivateKey())
const atts = [1,2,3,4].map(() => privateKeyToAccount(generatePrivateKey()))
const { address } = await deployGate({ rpc: chain, account: admin, attestors: atts.map(a => a.address), threshold: 3, maxAgeBlocks: 20 })
const a = { consumer: atts[0]!.address, subject: '0x' + '11'.repeat(32), actingFor: '0x' + '11'.repeat(32), role: '0x' + '11'.repeat(32), action: '0x' + '11'.repeat(32), capacityW: 0n, terms: '0x' + '11'.repeat(32), presentation: '0x' + '11'.repeat(32), height: 1n, expiry: 2_000_000_000n }
const data = encodeFunctionData({ abi: GATE_ARTIFACT.abi, functionName: 'verify', args: [a, []] } as never)
const nonce = Number(await chain.request({ method: 'eth_getTransactionCount', params: [admin.address, 'pending'] }))
const raw = await admin.signTransaction({ type: 'legacy', chainId: chain.chainId, nonce, gas: 1_000_000n, gasPrice: 0n, to: address, data, value: 0n })
const hash = await chain.request({ method: 'eth_sendRawTransaction', params: [raw] }) as Hex
const receipt = await chain.request({ method: 'eth_getTransactionReceipt', params: [hash] }) as any
console.log(receipt.status, receipt.gasUsed)
let t = performance.now()
const trace = await chain.request({ method: 'debug_traceTransaction', params: [hash, { disableStack: true, disableMemory: true, disableStorage: true }] }) as any
console.log(Object.keys(trace), trace.failed, trace.returnValue, trace.structLogs?.length, performance.now() - t)
console.log(decodeErrorResult({ abi: GATE_ARTIFACT.abi, data: (trace.returnValue.startsWith('0x') ? trace.returnValue : '0x' + trace.returnValue) as Hex }))
await chain.close()
