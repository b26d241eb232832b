import { checkOperation } from './src/method/state.ts'
import { utf8Encode } from './src/lib/bytes.ts'
import { canonicalize } from './src/lib/jcs.ts'
import { decodeMultikey } from './src/index.ts'
const long = 'z' + '2'.repeat(2047)
const vms = Array.from({ length: 4 }, (_, i) => ({ id: 'k' + i, type: 'Multikey', publicKeyMultibase: long.slice(0, -1) + 'abcd'[i], purposes: [] }))
const junk = utf8Encode(canonicalize({ type: 'create', network: 'sgcc', updateKey: long, recoveryKey: long.slice(0,-1)+'3', nonce: 'AAAAAAAAAAAAAAAAAAAAAA', document: { verificationMethods: vms }, key: long, sig: 'A'.repeat(86) }))
console.log('junk bytes', junk.length)
let t = performance.now()
for (let i = 0; i < 20; i++) checkOperation({ bytes: junk, height: 1, position: 0, time: 0 })
console.log('ms/op', ((performance.now() - t) / 20).toFixed(2), checkOperation({ bytes: junk, height: 1, position: 0, time: 0 }).fault?.message.slice(0, 80))
t = performance.now()
try { decodeMultikey('z' + '2'.repeat(200000)) } catch (e) { console.log((e as Error).message) }
console.log('decodeMultikey(200k chars) ms', (performance.now() - t).toFixed(0))
