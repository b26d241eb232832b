/**
 * `npm run vectors`: writes test/vectors/*.json and refreshes every block of spec/did-grid.md that
 * quotes them (a `<!-- vector: FILE POINTER -->` line followed by a ```json block).
 * test/vectors.test.ts and test/spec.test.ts fail when either drifts from the code.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildVectors, serialize } from './vectors.js'

const root = join(import.meta.dirname, '..')
const vectors = await buildVectors()
for (const [name, value] of Object.entries(vectors)) {
  writeFileSync(join(root, 'test', 'vectors', name), serialize(value))
  console.log(`wrote test/vectors/${name}`)
}

function pointer(doc: unknown, ptr: string): unknown {
  if (ptr === '') return doc
  return ptr
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((v, token) => {
      if (v === null || typeof v !== 'object' || !(token in v)) throw new Error(`JSON Pointer ${ptr} does not resolve at "${token}"`)
      return (v as Record<string, unknown>)[token]
    }, doc)
}

const specPath = join(root, 'spec', 'did-grid.md')
const lines = readFileSync(specPath, 'utf8').split('\n')
const out: string[] = []
let refreshed = 0
for (let i = 0; i < lines.length; i++) {
  out.push(lines[i]!)
  const m = /^<!--\s*vector:\s*(\S+)\s+(\S*)\s*-->\s*$/.exec(lines[i]!)
  if (!m || lines[i + 1]?.trim() !== '```json') continue
  const end = lines.findIndex((l, j) => j > i + 1 && l.trim() === '```')
  out.push('```json', JSON.stringify(pointer(vectors[m[1]!], m[2]!), null, 2), '```')
  i = end
  refreshed++
}
writeFileSync(specPath, out.join('\n'))
console.log(`refreshed ${refreshed} quoted blocks in spec/did-grid.md`)
