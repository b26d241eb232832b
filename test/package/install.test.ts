/**
 * The package as a user gets it: a fresh clone (the tracked files, no dist/) packed with `npm pack`
 * (whose `prepack` builds), the tarball installed from the registry into a scratch project, and
 * used there by ESM, CommonJS and TypeScript consumers, first without the optional peer dependencies
 * (the light core a resolving service installs), then with them. Budgets for the install and for a
 * resolver-only browser bundle are sizes and counts, never timings.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PEERS } from '../../src/ledger/peers/load.js'
import { installFootprint } from '../../scripts/size.js'

const root = join(import.meta.dirname, '..', '..')
const modules = realpathSync(join(root, 'node_modules'))
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))

/** The budgets (with headroom over the figures in README "Install size"). */
const BUDGET = {
  /** `npm i grid-did`: packages in node_modules, grid-did included (42 measured). */
  corePackages: 50,
  /** …and their bytes on disk (21 MB measured). */
  coreBytes: 26_000_000,
  /** The tarball unpacked (2.9 MB measured). */
  unpackedBytes: 4_000_000,
  /** `import { getResolver } from 'grid-did'` bundled for the browser, minified (99 KB measured) and gzipped (34 KB). */
  resolverBundle: 130_000,
  resolverBundleGzip: 45_000,
}

// The nested npm runs as a user's would: none of the calling npm's settings (npm test sets npm_config_*).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)))
const npm = (args: string[], cwd: string, timeout = 240_000) =>
  execFileSync('npm', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout })
const bin = (name: string) => join(modules, '.bin', name)

let work: string
let tarball: string
let app: string

/** Runs `code` in the scratch project with node (`.mjs` or `.cjs`), returning stdout, stderr and the exit status. */
function runIn(file: string, code: string) {
  writeFileSync(join(app, file), code)
  const r = spawnSync(process.execPath, [file], { cwd: app, encoding: 'utf8', timeout: 60_000 })
  return { stdout: r.stdout, stderr: r.stderr, status: r.status }
}

/** `tsc -p` of a consumer project in the scratch app: the diagnostics, empty when it type-checks. */
function typecheck(name: string, moduleResolution: 'node16' | 'bundler' | 'node10', source: string, types: string[]): string {
  const dir = join(app, `ts-${name}-${moduleResolution}`)
  mkdirSync(dir, { recursive: true })
  const module = moduleResolution === 'node16' ? 'node16' : moduleResolution === 'bundler' ? 'esnext' : 'commonjs'
  writeFileSync(join(dir, 'consumer.ts'), source)
  // An ES module consumer (node10 has no notion of module format).
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: moduleResolution === 'node10' ? 'commonjs' : 'module' }))
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        target: 'es2022',
        lib: ['es2023', 'dom'],
        module,
        moduleResolution,
        types,
        ...(moduleResolution === 'node10' ? { ignoreDeprecations: '5.0', esModuleInterop: true } : {}),
      },
      files: ['consumer.ts'],
    }),
  )
  const r = spawnSync(process.execPath, [join(modules, 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8', timeout: 600_000 })
  if (r.error) throw r.error
  return (r.stdout + r.stderr).trim()
}

/** Every installed package directory under `dir` (scoped and nested ones included). */
function packagesIn(dir: string): string[] {
  const found: string[] = []
  const visit = (nm: string) => {
    if (!existsSync(nm)) return
    for (const name of readdirSync(nm)) {
      if (name.startsWith('.')) continue
      const dirs = name.startsWith('@') ? readdirSync(join(nm, name)).map((sub) => join(nm, name, sub)) : [join(nm, name)]
      for (const path of dirs) {
        if (!existsSync(join(path, 'package.json'))) continue
        found.push(path)
        visit(join(path, 'node_modules'))
      }
    }
  }
  visit(dir)
  return found
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'grid-did-install-'))
  // A fresh clone: the files git knows (tracked, and new ones not ignored), without dist/.
  const clone = join(work, 'clone')
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: root, encoding: 'utf8' }).split('\0')
  for (const file of files) {
    if (!file || !existsSync(join(root, file)) || statSync(join(root, file)).isDirectory()) continue
    mkdirSync(dirname(join(clone, file)), { recursive: true })
    cpSync(join(root, file), join(clone, file))
  }
  expect(existsSync(join(clone, 'dist'))).toBe(false)
  symlinkSync(modules, join(clone, 'node_modules'), 'dir')
  // GRID_DID_TEST_TARBALL: a tarball packed already, to iterate on these tests without a build each run (never set in CI).
  if (process.env.GRID_DID_TEST_TARBALL) cpSync(process.env.GRID_DID_TEST_TARBALL, join(work, 'given.tgz'))
  else npm(['pack', '--pack-destination', work], clone)
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!)
  app = join(work, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }))
  npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], app)
}, 600_000)

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe('the packed tarball', () => {
  it('is built by prepack from a fresh clone and ships dist (no maps), the spec, the contracts, LICENSE and README', () => {
    expect(pkg.scripts.prepack).toBe('npm run build')
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n')
    for (const file of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'dist/cli/bin.js',
      'spec/did-grid.md',
    ])
      expect(listed, file).toContain(`package/${file}`)
    expect(listed.some((f) => /^package\/contracts\/.+\.sol$/.test(f))).toBe(true)
    expect(listed.filter((f) => f.endsWith('.map') || /^package\/(src|test|bench|scripts|examples)\//.test(f))).toEqual([])
    expect(readFileSync(join(app, 'node_modules', 'grid-did', 'LICENSE'), 'utf8')).toMatch(
      /Apache License\s+Version 2\.0, January 2004[\s\S]*Copyright 2026 The grid-did authors/,
    )
    expect(readFileSync(join(app, 'node_modules', 'grid-did', 'dist', 'cli', 'bin.js'), 'utf8')).toMatch(/^#!\/usr\/bin\/env node\n/)
    expect(installFootprint(join(app, 'node_modules', 'grid-did')).bytes).toBeLessThan(BUDGET.unpackedBytes)
  })

  it('declares the optional peers the loader names, and typesVersions for every subpath export', () => {
    expect(pkg.peerDependencies).toEqual(PEERS)
    for (const peer of Object.keys(PEERS)) {
      expect(pkg.peerDependenciesMeta[peer]).toEqual({ optional: true })
      expect(pkg.dependencies[peer]).toBeUndefined()
    }
    const subpaths = Object.entries(pkg.exports as Record<string, { import: { types: string } }>).filter(
      ([k]) => k !== '.' && k !== './package.json',
    )
    expect(pkg.typesVersions['*']).toEqual(Object.fromEntries(subpaths.map(([k, v]) => [k.slice(2), [v.import.types]])))
  })

  it('passes publint and arethetypeswrong (every entry, every resolution: node10, node16 from CJS and ESM, bundler)', () => {
    const lint = spawnSync(process.execPath, [bin('publint'), tarball, '--strict'], { encoding: 'utf8', timeout: 60_000 })
    expect(lint.stdout + lint.stderr).toMatch(/All good!/)
    expect(lint.status).toBe(0)
    const attw = spawnSync(process.execPath, [bin('attw'), tarball, '--format', 'json'], { encoding: 'utf8', timeout: 120_000 })
    const report = JSON.parse(attw.stdout)
    expect(report.analysis.problems).toEqual([])
    expect(Object.keys(report.analysis.entrypoints).sort()).toEqual(
      Object.keys(pkg.exports)
        .map((k) => (k === '.' ? '.' : k))
        .sort(),
    )
    expect(attw.status).toBe(0)
  })
})

describe('the core, installed without the optional peers', () => {
  it('installs no native module, no EVM library and nothing with an install script, within the budget', () => {
    const installed = packagesIn(join(app, 'node_modules'))
    const names = installed.map((p) => JSON.parse(readFileSync(join(p, 'package.json'), 'utf8')).name as string)
    for (const heavy of ['better-sqlite3', 'viem', 'ox', '@nomicfoundation/edr', 'ethers', 'bindings', 'prebuild-install'])
      expect(names).not.toContain(heavy)
    const scripted = installed.filter((p) => {
      const { scripts = {}, gypfile } = JSON.parse(readFileSync(join(p, 'package.json'), 'utf8'))
      return gypfile || scripts.install || scripts.preinstall || scripts.postinstall || existsSync(join(p, 'binding.gyp'))
    })
    expect(scripted).toEqual([])
    const footprint = installFootprint(join(app, 'node_modules'))
    expect(footprint.nativeFiles).toEqual([])
    expect(installed.length).toBeLessThanOrEqual(BUDGET.corePackages)
    expect(footprint.bytes).toBeLessThanOrEqual(BUDGET.coreBytes)
  })

  const consumer = (mod: 'esm' | 'cjs') => `
    ${mod === 'esm' ? "import * as grid from 'grid-did'; import { createHandler } from 'grid-did/server/handler'; import { Resolver } from 'did-resolver'" : "const grid = require('grid-did'); const { createHandler } = require('grid-did/server/handler'); const { Resolver } = require('did-resolver')"}
    const main = async () => {
      const ledger = new grid.MemoryLedger()
      const key = grid.Ed25519KeyPair.generate()
      const op = await grid.createDid({ network: 'pkg', updateKey: key, recoveryKey: key,
        document: { verificationMethods: [{ id: 'key-1', type: 'Multikey', publicKeyMultibase: key.publicKeyMultibase, purposes: ['assertionMethod'] }] } })
      await ledger.submit([op.bytes])
      const result = await new Resolver(grid.getResolver({ networks: { pkg: ledger } })).resolve(op.did)
      const handler = createHandler({ resolver: new grid.GridResolver({ networks: { pkg: ledger } }) })
      const http = await handler(new Request('http://x/1.0/identifiers/' + op.did, { headers: { accept: 'application/did+json' } }))
      let threw
      try { grid.parseDid('did:grid:X:y') } catch (err) { threw = [err instanceof grid.GridError, err.name, err.code] }
      // The optional peers are not installed: each entry that needs one says what to install, in one line.
      const missing = {}
      const attempt = async (name, f) => { try { await f(); missing[name] = 'no error' } catch (err) { missing[name] = [err instanceof grid.GridError, err.name, err.code, err.dependency, err.message] } }
      await attempt('sqlite', async () => { const { SqliteLedger } = ${mod === 'esm' ? "await import('grid-did/ledger/sqlite')" : "require('grid-did/ledger/sqlite')"}; new SqliteLedger(':memory:') })
      await attempt('evm', async () => { const { EvmLedger } = ${mod === 'esm' ? "await import('grid-did/ledger/evm')" : "require('grid-did/ledger/evm')"}; new EvmLedger({ rpc: 'http://127.0.0.1:9', registry: '0x' + '22'.repeat(20) }) })
      await attempt('devchain', async () => ${mod === 'esm' ? "await import('grid-did/ledger/devchain')" : "require('grid-did/ledger/devchain')"})
      await attempt('gate', async () => { const gate = ${mod === 'esm' ? "await import('grid-did/gate')" : "require('grid-did/gate')"}; gate.consumerAudience(1337, '0x' + '22'.repeat(20)) })
      const server = typeof ${mod === 'esm' ? "(await import('grid-did/server'))" : "require('grid-did/server')"}.serve
      process.stdout.write(JSON.stringify({ id: result.didDocument.id === op.did, status: http.status, threw, missing, server }))
    }
    main()
  `

  it.each(['esm', 'cjs'] as const)(
    'resolves and serves as %s, and names the missing peer in one line for each entry that needs one',
    (mod) => {
      const r = runIn(mod === 'esm' ? 'core.mjs' : 'core.cjs', consumer(mod))
      expect(r.stderr).toBe('')
      const out = JSON.parse(r.stdout)
      expect(out).toMatchObject({ id: true, status: 200, threw: [true, 'InvalidDidError', 'ERR_GRID_INVALID_DID'], server: 'function' })
      const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
      const line = (peer: keyof typeof PEERS) => [
        true,
        'DependencyMissingError',
        'ERR_GRID_DEPENDENCY_MISSING',
        peer,
        expect.stringMatching(
          new RegExp(`^${escape(peer)} is not installed \\([^\\n]+\\): npm install ${escape(`${peer}@${PEERS[peer]}`)}$`),
        ),
      ]
      expect(out.missing.sqlite).toEqual(line('better-sqlite3'))
      expect(out.missing.evm).toEqual(line('viem'))
      expect(out.missing.devchain).toEqual(line('@nomicfoundation/edr'))
      expect(out.missing.gate).toEqual(line('viem'))
    },
  )

  it('the CLI says in one line to install better-sqlite3, with its code, and exits 1', () => {
    const cli = join(app, 'node_modules', '.bin', 'grid-did')
    const opts = {
      cwd: app,
      encoding: 'utf8' as const,
      env: { ...env, GRID_DID_PASSPHRASE: 'correct horse battery staple', GRID_DID_HOME: join(app, 'home') },
      timeout: 60_000,
    }
    for (const name of ['update', 'recovery']) expect(spawnSync(cli, ['key', 'generate', '--out', `${name}.json`], opts).status).toBe(0)
    const r = spawnSync(cli, ['did', 'create', '--network', 'pkg', '--key', 'update.json', '--recovery-key', 'recovery.json'], opts)
    expect(r.stderr).toBe(
      `grid-did: better-sqlite3 is not installed (grid-did/ledger/sqlite and the grid-did CLI need it; it is an optional peer dependency): npm install better-sqlite3@${PEERS['better-sqlite3']} (ERR_GRID_DEPENDENCY_MISSING)\n`,
    )
    expect(r.status).toBe(1)
  })

  it('type-checks a consumer of the core with skipLibCheck false (node16, bundler and node10 resolution), without @types/node', () => {
    const source = `import { getResolver, GridResolver, MemoryLedger, GridError, DependencyMissingError, type GridErrorCode } from 'grid-did'
import { createHandler } from 'grid-did/server/handler'
const ledger = new MemoryLedger()
export const resolver = getResolver({ networks: { pkg: ledger } })
export const handler = createHandler({ resolver: new GridResolver({ networks: { pkg: ledger } }) })
export const code: GridErrorCode = DependencyMissingError.code
export const isGrid = (e: unknown): e is GridError => e instanceof GridError
`
    for (const resolution of ['node16', 'bundler', 'node10'] as const)
      expect(typecheck('core', resolution, source, []), resolution).toBe('')
  }, 900_000)

  it(`keeps ajv, csv-parse and did-jwt out of a resolver-only browser bundle, within ${BUDGET.resolverBundle} bytes (${BUDGET.resolverBundleGzip} gzipped)`, async () => {
    const esbuild = await import('esbuild')
    writeFileSync(join(app, 'resolver-only.mjs'), "import { getResolver } from 'grid-did'\nglobalThis.resolver = getResolver\n")
    const result = await esbuild.build({
      entryPoints: [join(app, 'resolver-only.mjs')],
      absWorkingDir: app,
      bundle: true,
      minify: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      metafile: true,
      logLevel: 'silent',
    })
    // The modules that put bytes in the bundle (metafile.inputs also lists those tree-shaken away).
    const inputs = Object.values(result.metafile.outputs).flatMap((output) =>
      Object.entries(output.inputs)
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([file]) => file),
    )
    expect(inputs.some((f) => f.includes('node_modules/grid-did/'))).toBe(true)
    for (const heavy of ['ajv', 'csv-parse', 'did-jwt', 'did-jwt-vc', '@noble/curves'])
      expect(
        inputs.filter((f) => f.includes(`node_modules/${heavy}/`)),
        heavy,
      ).toEqual([])
    const code = result.outputFiles[0]!.contents
    expect(code.length).toBeLessThanOrEqual(BUDGET.resolverBundle)
    expect(gzipSync(code).length).toBeLessThanOrEqual(BUDGET.resolverBundleGzip)
  })

  it('reports better-sqlite3 without its native build (install scripts skipped) as a dependency to rebuild, not an outage', () => {
    // What `npm install --ignore-scripts better-sqlite3` leaves when no prebuilt binary is fetched: the package without build/.
    const target = join(app, 'node_modules', 'better-sqlite3')
    cpSync(join(modules, 'better-sqlite3'), target, {
      recursive: true,
      filter: (src) => !src.includes(`${join('better-sqlite3', 'build')}`),
    })
    for (const dep of ['bindings', 'file-uri-to-path']) symlinkSync(join(modules, dep), join(app, 'node_modules', dep), 'dir')
    expect(existsSync(join(target, 'build'))).toBe(false)
    const r = runIn(
      'unbuilt.mjs',
      `import { SqliteLedger } from 'grid-did/ledger/sqlite'
       try { new SqliteLedger(':memory:') } catch (err) { process.stdout.write(JSON.stringify([err.name, err.code, err.dependency, err.message])) }`,
    )
    expect(JSON.parse(r.stdout)).toEqual([
      'DependencyMissingError',
      'ERR_GRID_DEPENDENCY_MISSING',
      'better-sqlite3',
      expect.stringMatching(/^better-sqlite3 is installed but its native module does not load \([^\n]+\): npm rebuild better-sqlite3$/),
    ])
    rmSync(target, { recursive: true })
  })
})

describe('with the optional peers installed', () => {
  beforeAll(() => {
    // The peers as this repository installed them (built), linked in: node resolves their own dependencies from there.
    for (const peer of [...Object.keys(PEERS), '@types/node']) {
      mkdirSync(dirname(join(app, 'node_modules', peer)), { recursive: true })
      rmSync(join(app, 'node_modules', peer), { recursive: true, force: true })
      symlinkSync(join(modules, peer), join(app, 'node_modules', peer), 'dir')
    }
  })

  it.each(['esm', 'cjs'] as const)('runs every entry point as %s: SQLite, the dev chain, the EVM ledger and its index, the gate', (mod) => {
    const load = (s: string) => (mod === 'esm' ? `await import('${s}')` : `require('${s}')`)
    const r = runIn(
      mod === 'esm' ? 'full.mjs' : 'full.cjs',
      `(async () => {
        const grid = ${load('grid-did')}
        const { SqliteLedger, ChainIndex } = ${load('grid-did/ledger/sqlite')}
        const { EvmLedger, deployRegistry } = ${load('grid-did/ledger/evm')}
        const { createDevChain } = ${load('grid-did/ledger/devchain')}
        const { AttestationRefusedError } = ${load('grid-did/gate')}
        const key = grid.Ed25519KeyPair.generate()
        const op = await grid.createDid({ network: 'pkg', updateKey: key, recoveryKey: key })
        const sqlite = new SqliteLedger(':memory:')
        await sqlite.submit([op.bytes])
        const chain = await createDevChain()
        const account = '0x' + '11'.repeat(32)
        const { address } = await deployRegistry({ rpc: chain, account })
        const evm = new EvmLedger({ rpc: chain, registry: address, account })
        const [receipt] = await evm.submit([op.bytes])
        const index = new ChainIndex(':memory:', evm)
        await index.sync()
        const resolved = await new grid.GridResolver({ networks: { pkg: index } }).resolve(op.did)
        await index.close(); await sqlite.close(); await chain.close()
        process.stdout.write(JSON.stringify({ cid: receipt.cid === op.cid, id: resolved.didDocument?.id === op.did,
          gate: new AttestationRefusedError([{ code: 'status-revoked', message: '' }], 1) instanceof grid.GridError }))
      })()`,
    )
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual({ cid: true, id: true, gate: true })
  })

  it('type-checks a consumer of every entry point with skipLibCheck false (node16 and bundler resolution; node10 is checked on the core above)', () => {
    const source = `import { GridResolver } from 'grid-did'
import { SqliteLedger, ChainIndex, type IndexedChain } from 'grid-did/ledger/sqlite'
import { EvmLedger, deployRegistry } from 'grid-did/ledger/evm'
import { createDevChain } from 'grid-did/ledger/devchain'
import { serve, createHandler } from 'grid-did/server'
import { attestRole } from 'grid-did/gate'
export async function main(): Promise<void> {
  const chain = await createDevChain()
  const { address } = await deployRegistry({ rpc: chain, account: \`0x\${'11'.repeat(32)}\` })
  const index = new ChainIndex(':memory:', new EvmLedger({ rpc: chain, registry: address }))
  const followed: IndexedChain = index.chain
  const resolver = new GridResolver({ networks: { pkg: index, local: new SqliteLedger(':memory:') } })
  const server = await serve(createHandler({ resolver }), { port: 0 })
  void followed, void attestRole, void server
}
`
    for (const resolution of ['node16', 'bundler'] as const) {
      const diagnostics = typecheck('full', resolution, source, ['node']).split('\n').filter(Boolean)
      const ours = (d: string) => d.includes('node_modules/grid-did/') || d.startsWith('consumer.ts')
      // None in grid-did's declarations or in the consumer…
      expect(diagnostics.filter(ours), resolution).toEqual([])
      // …and the rest (under node16, viem's dependency ox: CommonJS-typed files importing the ESM-only
      // abitype) are exactly what a consumer importing viem alone gets with skipLibCheck false.
      const others = diagnostics.filter((d) => !ours(d))
      if (others.length > 0) {
        const viemOnly = typecheck('viem-only', resolution, "import { getAddress } from 'viem'\nexport const a = getAddress\n", ['node'])
        expect(
          others.filter((d) => !viemOnly.includes(d)),
          resolution,
        ).toEqual([])
      }
    }
  }, 900_000)
})
