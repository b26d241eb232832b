import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'

// The published artefacts, built once exactly as `npm run build` builds them, before any test file
// runs: the package test imports them and the CLI test runs the built binary.
export default function setup(): void {
  const root = join(import.meta.dirname, '..')
  rmSync(join(root, 'dist'), { recursive: true, force: true })
  execFileSync(process.execPath, [join(root, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: root, stdio: 'pipe' })
}
