/**
 * Tests mirror src/: `src/a/b.ts` is tested in `test/a/b.test.ts`. Many source files are still
 * tested only through the files that use them; test/unmirrored.json lists them. The list only
 * shrinks: a new source file needs its test file, and a file that gets one leaves the list.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) return sources(path)
    // Generated artifacts (compiled contracts) are checked against a fresh compile instead.
    return entry.name.endsWith('.ts') && !entry.name.endsWith('-artifact.ts') ? [relative(ROOT, path)] : []
  })
}

describe('tests mirror src/', () => {
  const all = sources(join(ROOT, 'src')).sort()
  const unmirrored = new Set(JSON.parse(readFileSync(join(ROOT, 'test', 'unmirrored.json'), 'utf8')) as string[])
  const mirrorOf = (file: string) => join(ROOT, 'test', `${file.slice('src/'.length, -'.ts'.length)}.test.ts`)

  it('every source file has its test file, or is on the list of those still tested only through others', () => {
    expect(all.filter((file) => !existsSync(mirrorOf(file)) && !unmirrored.has(file))).toEqual([])
  })

  it('the list names only source files that exist and still have no test file of their own', () => {
    expect([...unmirrored].filter((file) => !all.includes(file) || existsSync(mirrorOf(file)))).toEqual([])
  })

  it('no source file is over 300 lines but the generated artifacts (one concept per file, ARCHITECTURE.md)', () => {
    const long = all
      .map((file) => [file, readFileSync(join(ROOT, file), 'utf8').split('\n').length - 1] as const)
      .filter(([, lines]) => lines > 300)
    expect(long).toEqual([])
  })
})
