/**
 * What installing grid-did costs: `npm run size` packs this tree (prepack builds it), installs the
 * tarball into scratch projects, alone and with each entry point's optional peers, and prints bytes
 * on disk and package counts, then the size of a resolver-only browser bundle. The figures go in the
 * README ("Install size"); test/package/install.test.ts holds the core to budgets.
 *
 *   npm run size
 */
import { execFileSync } from 'node:child_process'
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { gzipSync } from 'node:zlib'

/** Bytes of the files under `dir` (symbolic links not followed), their count, and the native addons (`.node` files) among them. */
export function installFootprint(dir: string): { bytes: number; files: number; nativeFiles: string[] } {
  const result = { bytes: 0, files: 0, nativeFiles: [] as string[] }
  const visit = (path: string) => {
    const stat = lstatSync(path)
    if (stat.isSymbolicLink()) return
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name))
      return
    }
    result.bytes += stat.size
    result.files++
    if (path.endsWith('.node')) result.nativeFiles.push(path)
  }
  visit(dir)
  return result
}

/** The package directories in a `node_modules` (scoped and nested ones included). */
export function countPackages(nodeModules: string): number {
  let count = 0
  const visit = (nm: string) => {
    if (!existsSync(nm)) return
    for (const name of readdirSync(nm)) {
      if (name.startsWith('.')) continue
      const dirs = name.startsWith('@') ? readdirSync(join(nm, name)).map((sub) => join(nm, name, sub)) : [join(nm, name)]
      for (const dir of dirs) {
        if (!existsSync(join(dir, 'package.json'))) continue
        count++
        visit(join(dir, 'node_modules'))
      }
    }
  }
  visit(nodeModules)
  return count
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`
const kb = (bytes: number) => `${(bytes / 1e3).toFixed(0)} KB`

async function main(): Promise<void> {
  const root = join(import.meta.dirname, '..')
  const { PEERS } = await import('../src/ledger/peers/load.js')
  const work = mkdtempSync(join(tmpdir(), 'grid-did-size-'))
  try {
    execFileSync('npm', ['pack', '--pack-destination', work], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
    const tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!)
    const peer = (name: keyof typeof PEERS) => `${name}@${PEERS[name]}`
    const scenarios: [string, string[]][] = [
      ['grid-did (core: resolve, verify, issue; grid-did/server, grid-did/server/handler)', []],
      ['+ better-sqlite3 (grid-did/ledger/sqlite, the CLI)', [peer('better-sqlite3')]],
      ['+ viem (grid-did/ledger/evm, grid-did/gate)', [peer('viem')]],
      ['+ @nomicfoundation/edr (grid-did/ledger/devchain)', [peer('@nomicfoundation/edr')]],
      ['+ all three', [peer('better-sqlite3'), peer('viem'), peer('@nomicfoundation/edr')]],
    ]
    const rows: string[][] = []
    for (const [i, [label, extra]] of scenarios.entries()) {
      const app = join(work, `app-${i}`)
      mkdirSync(app)
      writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }))
      execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, ...extra], { cwd: app, stdio: 'ignore' })
      const nm = join(app, 'node_modules')
      const { bytes, nativeFiles } = installFootprint(nm)
      rows.push([label, mb(bytes), String(countPackages(nm)), String(nativeFiles.length)])
      if (i === 0) {
        const esbuild = await import('esbuild')
        writeFileSync(join(app, 'entry.mjs'), "import { getResolver } from 'grid-did'\nglobalThis.resolver = getResolver\n")
        const out = await esbuild.build({
          entryPoints: [join(app, 'entry.mjs')],
          bundle: true,
          minify: true,
          platform: 'browser',
          format: 'esm',
          write: false,
          logLevel: 'silent',
        })
        const code = out.outputFiles[0]!.contents
        const unpacked = installFootprint(join(nm, 'grid-did')).bytes
        rows.push(['(grid-did itself, unpacked)', mb(unpacked), '1', '0'])
        rows.push([
          `resolver-only browser bundle (esbuild, minified): ${kb(code.length)}, gzipped ${kb(gzipSync(code).length)}`,
          '',
          '',
          '',
        ])
      }
    }
    const widths = [0, 1, 2, 3].map((c) =>
      Math.max(...rows.map((r) => r[c]!.length), ['install', 'on disk', 'packages', 'native'][c]!.length),
    )
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`
    console.log(line(['install', 'on disk', 'packages', 'native']))
    console.log(line(widths.map((w) => '-'.repeat(w))))
    for (const row of rows) console.log(line(row))
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main()
