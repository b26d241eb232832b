import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { InvalidDidError, decodeOperation, foldOperations, parseDid } from '../src/index.js'
import { utf8Encode } from '../src/lib/bytes.js'
import { buildVectors, serialize } from '../scripts/vectors.js'

const dir = join(import.meta.dirname, 'vectors')
const read = (name: string) => readFileSync(join(dir, name), 'utf8')

describe('test vectors', () => {
  it('are exactly what the code produces today (run `npm run vectors` after an intended change)', async () => {
    const built = await buildVectors()
    expect(Object.keys(built).length).toBeGreaterThanOrEqual(3)
    for (const [name, value] of Object.entries(built)) expect(serialize(value), name).toBe(read(name))
  })

  it('lifecycle operations decode from their canonical text to the recorded CID and DID, and fold to the recorded state', () => {
    const v = JSON.parse(read('lifecycle.json'))
    const did = v.operations[0].did
    for (const op of v.operations) {
      const decoded = decodeOperation(utf8Encode(op.canonical))
      expect(decoded.cid).toBe(op.cid)
      expect(decoded.did).toBe(did)
    }
    const history = foldOperations(
      did,
      v.operations.map((op: { canonical: string }, i: number) => ({
        bytes: utf8Encode(op.canonical),
        height: i + 1,
        position: 0,
        time: 1_767_225_600 + i * 3600,
      })),
    )
    expect(history.skipped).toEqual([])
    expect(history.versions.map((x) => x.type)).toEqual(['create', 'update', 'update', 'recover', 'deactivate'])
    expect(history.state!.deactivated).toBe(true)
  })

  it('DID syntax vectors hold', () => {
    const v = JSON.parse(read('did-syntax.json'))
    for (const did of v.valid) expect(parseDid(did).did).toBe(did)
    for (const { did, why } of v.invalid) expect(() => parseDid(did), why).toThrow(InvalidDidError)
  })
})
