import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildVectors, serialize } from './vectors.js'

const dir = join(import.meta.dirname, '..', 'test', 'vectors')
for (const [name, value] of Object.entries(await buildVectors())) {
  writeFileSync(join(dir, name), serialize(value))
  console.log(`wrote test/vectors/${name}`)
}
