/**
 * Docs that run: every fenced block of README.md carries a marker (see readme-blocks.ts); each
 * `run:` block is executed here, as a reader would paste it, against the built package: the blocks
 * are written under tmp/ inside the repository, so `grid-did` and `grid-did/…` resolve by the
 * package's own name through package.json#exports to dist/ (built by test/global-setup.ts), and a
 * tsconfig.json without the repository's `paths` keeps tsx from mapping them to src/. A block that
 * continues another runs after it in one module. A few checks below (CHECKS) assert what a block
 * claims in its comments; otherwise a block passes when it runs to the end without throwing.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { type Block, markerHelp, parseMarker, ROOT, readmeBlocks } from './readme-blocks.js'

const blocks = readmeBlocks()
const runnable = (b: Block) => b.marker.kind === 'run'
const nameOf = (b: Block) => (b.marker.kind === 'run' ? b.marker.name : '')
const byName = new Map(blocks.filter(runnable).map((b) => [nameOf(b), b]))

/**
 * Code run right after a block, in its scope: what its comments promise. Keyed by block name.
 */
const CHECKS: Record<string, string> = {
  keys: `
const secret = Buffer.from(key.exportSecretKey()).toString('hex')
const shown = JSON.stringify(key) + (await import('node:util')).inspect(key, { showHidden: true, depth: 9 })
if (type !== 'Ed25519' || publicKey.length !== 32 || encodeMultikey(publicKey) !== key.publicKeyMultibase) throw new Error('multikey round trip')
if (shown.includes(secret)) throw new Error('the secret key shows in JSON or console.log')`,
  operations: `
const end = await resolver.resolve(create.did)
if (end.didDocumentMetadata.deactivated !== true || end.didDocumentMetadata.versionId !== '5') throw new Error(JSON.stringify(end))`,
  ledgers: `
const page = await ledger.read(suffix, { after: { height: 1, position: 0 }, limit: 64 })
if (receipts.length !== 2 || page.length !== 1 || Buffer.compare(page[0].bytes, update.bytes) !== 0) throw new Error('the page after create is not update')`,
  resolver: `
const now = await didResolver.resolve(did)
const v1 = await didResolver.resolve(\`\${did}?versionId=1\`)
const endpoint = await resolver.dereference(\`\${did}?service=dr&relativeRef=bids/7\`)
if (now.didDocument?.id !== did || v1.didDocumentMetadata.versionId !== '1' || now.didDocumentMetadata.versionId !== '2') throw new Error('resolution')
if (!JSON.stringify(endpoint).includes('https://dr.example/api/bids/7')) throw new Error(JSON.stringify(endpoint))`,
  credentials: `
if (!decision.allowed) throw new Error(JSON.stringify(decision.reasons))
const requirement = { role: 'aggregator', action: 'response.bid', onBehalfOf: userDid, capacityKw: 150 } as const
const after = await checkRole(vp, requirement, { resolver, trustRegistry: trustRegistryUrl(utility), audience: contractId,
  challenge: event.nonce, binding: termsDigest(terms), time: tx.time, height: (await ledger.head()).height })
if (after.allowed || !after.reasons.some((r) => r.code === 'status-revoked')) throw new Error(JSON.stringify(after.reasons))
if (rows.length !== 1 || errors.length !== 0 || batch.issued.length !== 1 || batch.errors.length !== 0) throw new Error(JSON.stringify(batch))`,
}

/** The blocks a run of `block` executes, first to last. */
function chainOf(block: Block): Block[] {
  const chain = [block]
  for (let b = block; b.marker.kind === 'run' && b.marker.continues; ) {
    const prev = byName.get(b.marker.continues)
    if (!prev || chain.includes(prev)) throw new Error(`README.md:${b.line}: continues "${b.marker.continues}", no such block`)
    chain.unshift(prev)
    b = prev
  }
  return chain
}

const IMPORT = /^import\s+(type\s+)?([\s\S]*?)\s+from\s+'([^']+)'[ \t]*;?[ \t]*(?:\/\/.*)?$/gm

/**
 * One module from a chain: its imports merged (a name imported by two blocks is imported once),
 * then each block's code in a scope nested in the previous one's, so a later block sees earlier
 * bindings and may shadow them, as in a reader's REPL.
 */
function assemble(chain: Block[]): string {
  const named = new Map<string, Set<string>>()
  const other = new Set<string>()
  const bodies = chain.map((block) =>
    block.code.replace(IMPORT, (_all, type: string | undefined, clause: string, from: string) => {
      const braces = /^\{([\s\S]*)\}$/.exec(clause.trim())
      if (braces && !type) {
        const names = named.get(from) ?? new Set<string>()
        for (const n of braces[1]!.split(',')) if (n.trim()) names.add(n.trim())
        named.set(from, names)
      } else other.add(`import ${type ?? ''}${clause} from '${from}'`)
      return ''
    }),
  )
  const imports = [...[...named].map(([from, names]) => `import { ${[...names].join(', ')} } from '${from}'`), ...other]
  const guard = ["if (!import.meta.resolve('grid-did').includes('/dist/')) throw new Error('grid-did must resolve to the built package')"]
  const code = bodies.map((body, i) => {
    const b = chain[i]!
    return `// README.md:${b.line} (${nameOf(b)})\n${i > 0 ? '{\n' : ''}${body}${CHECKS[nameOf(b)] ?? ''}\n`
  })
  return [...imports, ...guard, ...code, '}\n'.repeat(chain.length - 1)].join('\n')
}

const work = (() => {
  mkdirSync(join(ROOT, 'tmp'), { recursive: true })
  return mkdtempSync(join(ROOT, 'tmp', 'readme-'))
})()
let failed = false
// Kept when a run fails, so the module named in the failure can be read and run again.
afterAll(() => failed || rmSync(work, { recursive: true, force: true }))

function run(file: string, cwd: string): Promise<{ code: number; out: string }> {
  const tsconfig = join(cwd, 'tsconfig.json')
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext' } }))
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', file],
      { cwd, env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig }, timeout: 50_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    )
  })
}

describe('README.md code blocks', () => {
  it('every block carries a marker: run here, run by another test, or illustrative with a reason', () => {
    expect(markerHelp(blocks.filter((b) => b.marker.kind === 'none' || b.marker.kind === 'bad'))).toBe('')
  })

  it('run: names are unique, `continues` names an earlier block, only ts/js blocks run here', () => {
    const seen = new Set<string>()
    const problems: string[] = []
    for (const b of blocks) {
      if (b.marker.kind !== 'run') continue
      if (!['ts', 'typescript', 'js', 'javascript'].includes(b.lang))
        problems.push(`README.md:${b.line}: only ts/js blocks can be run here`)
      if (seen.has(b.marker.name)) problems.push(`README.md:${b.line}: the name "${b.marker.name}" is used twice`)
      if (b.marker.continues && !seen.has(b.marker.continues))
        problems.push(`README.md:${b.line}: continues "${b.marker.continues}", which is not an earlier block`)
      seen.add(b.marker.name)
    }
    expect(problems).toEqual([])
  })

  it('run: by — every file named exists and reads README.md', () => {
    const problems = blocks.flatMap((b) =>
      b.marker.kind !== 'by'
        ? []
        : b.marker.paths
            .filter((p) => !existsSync(join(ROOT, p)) || !/README/.test(readFileSync(join(ROOT, p), 'utf8')))
            .map((p) => `README.md:${b.line}: ${p} does not exist or never mentions the README`),
    )
    expect(problems).toEqual([])
  })

  it('the marker grammar reads what it should and refuses the rest', () => {
    expect(parseMarker('<!-- run: keys -->')).toEqual({ kind: 'run', name: 'keys' })
    expect(parseMarker('<!-- run: ops continues keys -->')).toEqual({ kind: 'run', name: 'ops', continues: 'keys' })
    expect(parseMarker('<!-- run: by .ci/run test/a.test.ts — npm run demo -->')).toEqual({
      kind: 'by',
      paths: ['.ci/run', 'test/a.test.ts'],
    })
    expect(parseMarker('<!-- illustrative: needs a chain node -->')).toEqual({ kind: 'illustrative', reason: 'needs a chain node' })
    expect(parseMarker('<!-- illustrative: -->').kind).toBe('bad')
    expect(parseMarker('<!-- run: Keys -->').kind).toBe('bad')
    expect(parseMarker('<!-- runs: keys -->').kind).toBe('bad')
  })

  // A run per block that no other block continues (its chain covers the blocks before it).
  const continued = new Set(blocks.flatMap((b) => (b.marker.kind === 'run' && b.marker.continues ? [b.marker.continues] : [])))
  const leaves = blocks.filter((b) => runnable(b) && !continued.has(nameOf(b)))

  it('type-checks every run block (tsc, strict, NodeNext) against the package’s published .d.ts', async () => {
    const dir = mkdtempSync(join(work, 'types-'))
    const files = leaves.map((leaf) => {
      const file = join(dir, `${nameOf(leaf)}.ts`)
      writeFileSync(file, assemble(chainOf(leaf)))
      return file
    })
    const compilerOptions = {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      skipLibCheck: true,
    }
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { ...compilerOptions, noEmit: true, types: ['node'] }, files }),
    )
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir }, (err, stdout, stderr) =>
        resolve({ code: err ? 1 : 0, out: `${stdout}${stderr}` }),
      ),
    )
    failed ||= code !== 0
    expect(out, `the README's snippets do not type-check as a TypeScript user would copy them (modules in ${dir})`).toBe('')
    expect(code).toBe(0)
  })
  for (const leaf of leaves) {
    const chain = chainOf(leaf)
    const title = chain.map((b) => `${nameOf(b)} (README.md:${b.line})`).join(' → ')
    it(`runs ${title}`, async () => {
      const dir = mkdtempSync(join(work, `${nameOf(leaf)}-`))
      const file = join(dir, 'snippet.ts')
      writeFileSync(file, assemble(chain))
      const { code, out } = await run(file, dir)
      failed ||= code !== 0
      expect(code, `${title} failed; the module run is ${file}:\n${out}`).toBe(0)
    })
  }
})
