/**
 * Keeps spec/did-grid.md honest: every example marked `<!-- vector: FILE POINTER -->` must be the
 * value at that JSON Pointer (RFC 6901) in test/vectors/FILE, and every section anchor that code
 * comments link to (`did-grid.md#…`) must exist as a heading.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = join(import.meta.dirname, '..')
const SPEC_PATH = join(ROOT, 'spec', 'did-grid.md')
/** Where the spec is published: `@see` links in the source point there (package.json `repository`). */
const SPEC_URL = 'https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md'
const VECTORS_DIR = join(ROOT, 'test', 'vectors')

const spec = readFileSync(SPEC_PATH, 'utf8')
const lines = spec.split(/\r?\n/)

/** Anchors that source comments and the spec itself link to. */
const REQUIRED_ANCHORS = [
  'identifier-syntax',
  'did-urls',
  'keys',
  'signatures',
  'canonical-bytes',
  'operations',
  'create',
  'update',
  'recover',
  'deactivate',
  'size-limits',
  'anchoring',
  'resolution',
  'resolution-algorithm',
  'versioning',
  'did-documents',
  'errors',
  'security-considerations',
  'privacy-considerations',
  'role-checks-on-chain--attestations',
  'attestor-service',
]

const MARKER = /^<!--\s*vector:\s*(\S+)\s+(\S*)\s*-->\s*$/

interface VectorQuote {
  /** 1-based line of the marker. */
  line: number
  file: string
  pointer: string
  /** Text of the fenced block after the marker, or undefined when there is none. */
  block: string | undefined
}

function findQuotes(): VectorQuote[] {
  const quotes: VectorQuote[] = []
  lines.forEach((text, i) => {
    // A marker is a line of its own; mentions inside prose are not markers.
    if (!text.startsWith('<!-- vector:')) return
    const m = MARKER.exec(text)
    if (!m) throw new Error(`spec line ${i + 1}: malformed vector marker: ${text}`)
    let block: string | undefined
    if (lines[i + 1]?.trim() === '```json') {
      const end = lines.findIndex((l, j) => j > i + 1 && l.trim() === '```')
      if (end > 0) block = lines.slice(i + 2, end).join('\n')
    }
    quotes.push({ line: i + 1, file: m[1]!, pointer: m[2]!, block })
  })
  return quotes
}

/** RFC 6901 JSON Pointer evaluation; throws with the failing token when it does not resolve. */
function resolvePointer(document: unknown, pointer: string): unknown {
  if (pointer === '') return document
  if (!pointer.startsWith('/')) throw new Error(`JSON Pointer "${pointer}" must be empty or start with "/"`)
  let value: unknown = document
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(value)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= value.length) {
        throw new Error(`JSON Pointer "${pointer}": no array index "${token}"`)
      }
      value = value[Number(token)]
    } else if (typeof value === 'object' && value !== null) {
      if (!Object.hasOwn(value, token)) throw new Error(`JSON Pointer "${pointer}": no member "${token}"`)
      value = (value as Record<string, unknown>)[token]
    } else {
      throw new Error(`JSON Pointer "${pointer}": cannot descend into a ${typeof value} at "${token}"`)
    }
  }
  return value
}

const vectorFiles = new Map<string, unknown>()
function loadVectors(file: string): unknown {
  if (!/^[A-Za-z0-9._-]+\.json$/.test(file)) throw new Error(`vector file "${file}" must be a plain file name in test/vectors`)
  let doc = vectorFiles.get(file)
  if (doc === undefined) {
    doc = JSON.parse(readFileSync(join(VECTORS_DIR, file), 'utf8')) as unknown
    vectorFiles.set(file, doc)
  }
  return doc
}

/** GitHub's heading anchor: lowercase, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

function headingSlugs(): Set<string> {
  const slugs = new Set<string>()
  let inFence = false
  for (const text of lines) {
    if (/^\s*```/.test(text)) inFence = !inFence
    if (inFence) continue
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(text)
    if (m) slugs.add(slug(m[1]!))
  }
  return slugs
}

describe('spec/did-grid.md', () => {
  const quotes = findQuotes()

  it('quotes at least 8 test vectors', () => {
    expect(quotes.length).toBeGreaterThanOrEqual(8)
  })

  describe.each(quotes.map((q) => [`line ${q.line}: ${q.file} ${q.pointer || '(whole file)'}`, q] as const))('%s', (_name, q) => {
    it('is followed by a ```json block equal to the vector', () => {
      if (q.block === undefined) throw new Error(`spec line ${q.line}: the marker must be followed directly by a \`\`\`json block`)
      const expected = resolvePointer(loadVectors(q.file), q.pointer)
      let quoted: unknown
      try {
        quoted = JSON.parse(q.block)
      } catch (err) {
        throw new Error(`spec line ${q.line}: the quoted block is not JSON: ${(err as Error).message}`)
      }
      expect(quoted).toStrictEqual(expected)
    })
  })

  it('summarizes every Ed25519 vector with its accept/reject result', () => {
    const start = lines.findIndex((l) => l.startsWith('<!-- ed25519-table:'))
    expect(start, 'the <!-- ed25519-table: … --> marker').toBeGreaterThanOrEqual(0)
    const rows = []
    for (let i = start + 3; i < lines.length && lines[i]!.startsWith('|'); i++) {
      const cells = lines[i]!.split('|').map((c) => c.trim())
      rows.push({ index: Number(cells[1]), name: cells[2], valid: cells[3] === '**accept**' })
    }
    const { cases } = loadVectors('ed25519.json') as { cases: { name: string; valid: boolean }[] }
    expect(rows).toEqual(cases.map((c, index) => ({ index, name: c.name, valid: c.valid })))
  })

  it('has a heading for every anchor the code links to', () => {
    const slugs = headingSlugs()
    const missing = REQUIRED_ANCHORS.filter((a) => !slugs.has(a))
    expect(missing).toEqual([])
  })

  it('every @see in src/ is an absolute URL (it survives in the published .d.ts), and each link into the spec names a heading', () => {
    const slugs = headingSlugs()
    const sees: { file: string; target: string }[] = []
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name)
        if (entry.isDirectory()) walk(path)
        else if (entry.name.endsWith('.ts')) {
          for (const m of readFileSync(path, 'utf8').matchAll(/@see\s+(\S+)/g))
            sees.push({ file: path.slice(ROOT.length + 1), target: m[1]! })
        }
      }
    }
    walk(join(ROOT, 'src'))
    expect(sees.length).toBeGreaterThan(100)
    expect(sees.filter((s) => !/^https:\/\//.test(s.target))).toEqual([])
    const intoSpec = sees.filter((s) => s.target.startsWith(`${SPEC_URL}#`))
    expect(intoSpec.length).toBeGreaterThan(100)
    expect(intoSpec.filter((s) => !slugs.has(s.target.slice(SPEC_URL.length + 1)))).toEqual([])
    // Links to this repository go to the spec only, through its published URL.
    expect(sees.filter((s) => s.target.includes('grid-did/grid-did') && !s.target.startsWith(`${SPEC_URL}#`))).toEqual([])
  })

  it('links only to anchors that exist', () => {
    const slugs = headingSlugs()
    const links = [...spec.matchAll(/\]\(#([^)]+)\)/g)].map((m) => m[1]!)
    expect(links.filter((a) => !slugs.has(a))).toEqual([])
  })
})
