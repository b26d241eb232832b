import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { VERSION } from '../../src/lib/version.js'

const root = join(import.meta.dirname, '..', '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }

describe('VERSION', () => {
  it("is package.json's version, and `grid-did --version` prints it", async () => {
    expect(VERSION).toBe(pkg.version)
    const out = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, [join(root, 'dist', 'cli', 'bin.js'), '--version'], (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    )
    expect(out).toBe(`${pkg.version}\n`)
  })
})
