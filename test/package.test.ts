import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { isBuiltin } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const run = (args: string[], input?: string) =>
  execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'] })

// The published artefacts (built by test/global-setup.ts exactly as `npm run build` does), used the
// way consumers use them: ESM import and CommonJS require of the package name (self-reference).
describe('package', () => {
  it('emits ESM, CommonJS and declarations for every entry point', () => {
    for (const entry of ['index', 'ledger/sqlite', 'ledger/evm', 'ledger/devchain', 'server/node', 'server/handler', 'gate/index']) {
      for (const ext of ['.js', '.cjs', '.d.ts', '.d.cts']) expect(existsSync(join(root, 'dist', entry + ext)), entry + ext).toBe(true)
    }
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
    expect(Object.keys(pkg.exports)).toEqual([
      '.',
      './ledger/sqlite',
      './ledger/evm',
      './ledger/devchain',
      './server',
      './server/handler',
      './gate',
      './package.json',
    ])
  })

  const script = (mod: 'esm' | 'cjs') => `
    ${
      mod === 'esm'
        ? "import { Resolver } from 'did-resolver'; import * as grid from 'grid-did'; import { SqliteLedger, ChainIndex } from 'grid-did/ledger/sqlite'; import { createHandler } from 'grid-did/server'; import { EvmLedger, deployRegistry } from 'grid-did/ledger/evm'; import { createDevChain } from 'grid-did/ledger/devchain'; import { attestRole, AttestationRefusedError } from 'grid-did/gate';"
        : "const { Resolver } = require('did-resolver'); const grid = require('grid-did'); const { SqliteLedger, ChainIndex } = require('grid-did/ledger/sqlite'); const { createHandler } = require('grid-did/server'); const { EvmLedger, deployRegistry } = require('grid-did/ledger/evm'); const { createDevChain } = require('grid-did/ledger/devchain'); const { attestRole, AttestationRefusedError } = require('grid-did/gate');"
    }
    const main = async () => {
      const ledger = new SqliteLedger(':memory:')
      const key = grid.Ed25519KeyPair.generate()
      const op = await grid.createDid({ network: 'pkg', updateKey: key, recoveryKey: key,
        document: { verificationMethods: [{ id: 'key-1', type: 'Multikey', publicKeyMultibase: key.publicKeyMultibase, purposes: ['assertionMethod'] }] } })
      await ledger.submit([op.bytes])
      const resolver = new Resolver(grid.getResolver({ networks: { pkg: ledger } }))
      const result = await resolver.resolve(op.did)
      const handler = createHandler({ resolver: new grid.GridResolver({ networks: { pkg: ledger } }) })
      const http = await handler(new Request('http://x/1.0/identifiers/' + op.did, { headers: { accept: 'application/did+json' } }))
      const served = (await http.json()).id === op.did && http.status === 200
      let threw = ''
      try { grid.parseDid('did:grid:X:y') } catch (err) { threw = (err instanceof grid.GridError) + ':' + err.code }
      // The chain ledger on the in-process chain, and the index over it.
      const chain = await createDevChain()
      const writer = '0x' + '11'.repeat(32)
      const { address } = await deployRegistry({ rpc: chain, account: writer })
      const evm = new EvmLedger({ rpc: chain, registry: address, account: writer })
      const [receipt] = await evm.submit([op.bytes])
      const index = new ChainIndex(':memory:', evm)
      await index.sync()
      const indexed = (await index.read(op.suffix)).length === 1 && (await evm.read(op.suffix)).length === 1
      await index.close()
      await chain.close()
      // The gate subpath shares the core's error classes (one GridError, whichever entry loaded it).
      const gate = typeof attestRole === 'function' && new AttestationRefusedError([{ code: 'status-revoked', message: '' }], 1) instanceof grid.GridError
      process.stdout.write(JSON.stringify({ id: result.didDocument.id === op.did, vm: result.didDocument.assertionMethod[0], threw, served, chain: receipt.cid === op.cid && indexed, gate }))
    }
    main()
  `

  it.each(['esm', 'cjs'] as const)('works when loaded as %s, including did-resolver integration and error classes', (mod) => {
    const out = JSON.parse(run([mod === 'esm' ? '--input-type=module' : '--input-type=commonjs'], script(mod)))
    expect(out.id).toBe(true)
    expect(out.vm).toMatch(/^did:grid:pkg:[a-z2-7]{52}#key-1$/)
    expect(out.threw).toBe('true:ERR_GRID_INVALID_DID')
    expect(out.served).toBe(true)
    expect(out.chain).toBe(true)
    expect(out.gate).toBe(true)
  })

  it('keeps node-only code out of the core entry point and the chunks it loads', () => {
    const seen = new Set<string>()
    const visit = (file: string) => {
      if (seen.has(file)) return
      seen.add(file)
      const code = readFileSync(join(root, 'dist', file), 'utf8')
      expect(code, file).not.toMatch(/better-sqlite3/)
      expect(code, file).not.toMatch(/from ['"]node:/)
      for (const m of code.matchAll(/from ['"]\.\/([^'"]+)['"]/g)) visit(m[1]!)
    }
    visit('index.js')
    expect(seen.size).toBeGreaterThan(1)
  })

  // grid-did/server/handler: createHandler without node:http, for runtimes that bring their own server.
  it('keeps node:* out of the runtime-neutral handler entry (grid-did/server/handler) and the chunks it loads', () => {
    // Every file of the entry's graph in dist, ESM and CommonJS: static, side-effect and dynamic imports.
    const graph = (entry: string, pattern: RegExp) => {
      const files = new Map<string, string[]>()
      const visit = (file: string) => {
        if (files.has(file)) return
        const code = readFileSync(join(root, 'dist', file), 'utf8')
        const specifiers = [...code.matchAll(pattern)].map((m) => m[1]!)
        files.set(file, specifiers)
        for (const s of specifiers) if (s.startsWith('.')) visit(join(dirname(file), s))
      }
      visit(entry)
      return files
    }
    const esm = graph('server/handler.js', /(?:\bfrom|\bimport)\s*\(?\s*['"]([^'"]+)['"]/g)
    const cjs = graph('server/handler.cjs', /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g)
    for (const files of [esm, cjs]) {
      expect(files.size).toBeGreaterThan(1)
      for (const [file, specifiers] of files)
        expect(
          specifiers.filter((s) => s.startsWith('node:') || isBuiltin(s)),
          file,
        ).toEqual([])
    }

    // And loaded for real, with a loader hook that refuses node:http and its kin to everyone, and every
    // Node built-in to the package's own files (dependencies may pick their Node builds: another
    // runtime gives them their portable ones).
    const dist = pathToFileURL(join(root, 'dist') + '/').href
    const hook = `data:text/javascript,${encodeURIComponent(
      "import { isBuiltin } from 'node:module';" +
        'export async function resolve(specifier, context, next) {' +
        ` if (isBuiltin(specifier) && (/^(node:)?(http|https|http2|net|tls)$/.test(specifier) || (context.parentURL ?? '').startsWith(${JSON.stringify(dist)})))` +
        "   throw new Error('blocked built-in ' + specifier + ' from ' + context.parentURL);" +
        ' return next(specifier, context) }',
    )}`
    const out = JSON.parse(
      run(
        ['--input-type=module'],
        `
        import { register } from 'node:module'
        register(${JSON.stringify(hook)})
        const blocked = await import('node:http').then(() => false, (err) => /blocked built-in node:http/.test(err.message))
        const { createHandler, negotiate } = await import('grid-did/server/handler')
        const grid = await import('grid-did')
        const ledger = new grid.MemoryLedger()
        const handler = createHandler({ resolver: new grid.GridResolver({ networks: { pkg: ledger } }) })
        const res = await handler(new Request('http://x/1.0/methods'))
        process.stdout.write(JSON.stringify({ blocked, status: res.status, body: await res.json(), negotiated: negotiate('application/did+json').kind }))
        `,
      ),
    )
    expect(out).toEqual({ blocked: true, status: 200, body: ['grid'], negotiated: 'document' })
  })
})
