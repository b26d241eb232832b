/**
 * The README's CLI walkthrough (the block marked `<!-- run: by test/docs/cli-walkthrough.test.ts -->`)
 * runs as it stands, top to bottom, in bash with `set -euo pipefail`, in an empty directory whose
 * default home (./.grid-did) it creates, with `grid-did` on PATH as the built binary
 * (dist/cli/bin.js, linked the way npm links a package's bin). The environment holds only PATH and
 * HOME, so a variable the walkthrough uses without assigning stops it (`set -u`), whatever the
 * tester's shell has set. Each numbered step's output is checked.
 */
import { execFile } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli } from '../cli/run-cli.js'
import { ROOT, readmeBlocks } from './readme-blocks.js'

const MARKER = 'test/docs/cli-walkthrough.test.ts'
const block = readmeBlocks().find((b) => b.marker.kind === 'by' && b.marker.paths.includes(MARKER))
const bin = join(ROOT, 'dist', 'cli', 'bin.js')

interface Outcome {
  code: number
  stdout: string
  trace: string
  /** Standard output of each numbered step (`# N.` comment lines), by step number. */
  steps: Map<number, string>
  vars: Record<string, string>
}

/** Runs the walkthrough in `dir`; marks each `# N.` step in the output, keeping README line numbers. */
function walk(dir: string, code: string, fenceLine: number): Promise<Outcome> {
  const script = code.replace(/^# (\d+)\. /gm, "echo '::step $1::' # $1. ")
  writeFileSync(join(dir, 'walkthrough.sh'), script)
  const runner = [
    'set -euo pipefail',
    `PS4='+ README.md:$((LINENO + ${fenceLine})): '`,
    'set -x',
    'source ./walkthrough.sh',
    'set +x',
    'printf \'::vars:: UTILITY=%s GROUP_HQ=%s USER_DID=%s AGG=%s\\n\' "$UTILITY" "$GROUP_HQ" "$USER_DID" "$AGG"',
  ].join('\n')
  writeFileSync(join(dir, 'run.sh'), runner)
  const binDir = join(dir, '.bin')
  mkdirSync(binDir)
  symlinkSync(bin, join(binDir, 'grid-did'))
  const env = { PATH: [binDir, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'), HOME: dir }
  return new Promise((resolve) => {
    execFile('bash', ['run.sh'], { cwd: dir, env, maxBuffer: 16 * 1024 * 1024, timeout: 290_000 }, (err, stdout, stderr) => {
      const steps = new Map<number, string>()
      const parts = stdout.split(/^::step (\d+)::\n/m)
      for (let i = 1; i < parts.length; i += 2) steps.set(Number(parts[i]), parts[i + 1] ?? '')
      const vars = Object.fromEntries([...(/^::vars:: (.*)$/m.exec(stdout)?.[1] ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]))
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, trace: stderr, steps, vars })
    })
  })
}

describe('README: the CLI walkthrough runs top to bottom on the built binary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grid-did-walkthrough-'))
  let out: Outcome
  beforeAll(async () => {
    expect(block, `no README block is marked <!-- run: by ${MARKER} -->`).toBeDefined()
    out = await walk(dir, block!.code, block!.line)
  }, 300_000)
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('assigns what it uses: no $USER (the login name), every variable set before use', () => {
    expect(block!.code).not.toMatch(/\$\{?USER\b/)
    // `set -u` and an environment of PATH and HOME alone make an unassigned variable fatal.
    expect(out.trace).not.toMatch(/unbound variable/)
  })

  it('exits 0, every step run in order', () => {
    const tail = out.trace.split('\n').slice(-25).join('\n')
    expect(out.code, `the walkthrough stopped; the last commands traced (README.md lines):\n${tail}`).toBe(0)
    expect([...out.steps.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7])
    for (const name of ['UTILITY', 'GROUP_HQ', 'USER_DID', 'AGG']) expect(out.vars[name]).toMatch(/^did:grid:sgcc:[a-z2-7]{52}$/)
    expect(existsSync(join(dir, '.grid-did', 'ledger.db'))).toBe(true)
  })

  it('1. the utility: DID, schemas and trust registry, an assertionMethod key and a service added', () => {
    const step = out.steps.get(1)!
    expect(step.match(/^z6Mk\w+$/gm)).toHaveLength(3)
    expect(step).toContain(`${out.vars.UTILITY}/resources/trust-registry`)
    expect(step).toContain(`update: ${out.vars.UTILITY} is at version 2`)
  })

  it('2. the group HQ is trusted for production-base credentials, next to the utility', () => {
    expect(out.steps.get(2)).toContain(`production-base: ${out.vars.UTILITY}, ${out.vars.GROUP_HQ}`)
  })

  it('3. a user credential from the CSV, verified; the aggregator credential and the mandate written', () => {
    const step = out.steps.get(3)!
    expect(step).toContain('issued 1, skipped 0 (already issued), failed 0')
    expect(step).toMatch(new RegExp(`^verified: user credential urn:uuid:\\S+ from ${out.vars.UTILITY} for ${out.vars.USER_DID}$`, 'm'))
    const jwt = /^ey[\w-]+\.[\w-]+\.[\w-]+$/
    expect(readdirSync(join(dir, 'creds'))).toEqual([`user-${out.vars.USER_DID!.slice('did:grid:'.length).replace(':', '_')}.jwt`])
    for (const file of ['agg.jwt', 'mandate.jwt', 'bid.jwt']) expect(readFileSync(join(dir, file), 'utf8').trim()).toMatch(jwt)
  })

  it('4. the aggregator’s bid for the user is allowed', () => {
    expect(out.steps.get(4)).toMatch(
      new RegExp(`^allowed: ${out.vars.AGG} as aggregator for response\\.bid on behalf of ${out.vars.USER_DID}`, 'm'),
    )
  })

  it('5. suspended, then revoked: the same bid is denied each time with exit 1 and the reason', () => {
    const [suspended, revoked] = out.steps.get(5)!.split(/^revoked urn:uuid:.*$/m)
    expect(suspended).toMatch(/^suspended urn:uuid:/m)
    expect(suspended).toMatch(/^denied:\n {2}status-suspended: /m)
    expect(suspended).toMatch(/^exit 1$/m)
    expect(revoked).toMatch(/^denied:\n {2}status-revoked: /m)
    expect(revoked).toMatch(/^exit 1$/m)
    expect(out.steps.get(5)).not.toMatch(/^allowed/m)
  })

  it('6. the rotation is version 3; history lists the three versions; version 1 still resolves', () => {
    const step = out.steps.get(6)!
    expect(step).toContain(`rotate: ${out.vars.UTILITY} is at version 3`)
    const history = step.split('\n').filter((l) => /^h\d+ p\d+ /.test(l))
    expect(history.map((l) => l.split(' ').slice(3).join(' '))).toEqual(['create applied v1', 'update applied v2', 'update applied v3'])
    const resolved = JSON.parse(step.slice(step.indexOf('{'), step.lastIndexOf('}') + 1)) as {
      didDocument: { id: string; service: { serviceEndpoint: string }[] }
      didDocumentMetadata: { versionId: string }
    }
    expect(resolved.didDocument.id).toBe(out.vars.UTILITY)
    expect(resolved.didDocumentMetadata.versionId).toBe('1')
    expect(resolved.didDocument.service.map((s) => s.serviceEndpoint)).toEqual(['https://dr.sgcc.example/api/'])
  })

  it('7. the group recovers its DID, then deactivates it', async () => {
    expect(out.steps.get(7)).toContain(`recover: ${out.vars.GROUP_HQ} is at version 2`)
    expect(out.steps.get(7)).toContain(`deactivate: ${out.vars.GROUP_HQ} is at version 3`)
    // The home the walkthrough left behind, read by the same binary: the group's DID is deactivated.
    const after = await runCli(join(dir, '.grid-did'), dir, ['resolve', out.vars.GROUP_HQ!])
    expect(after.code).toBe(0)
    const resolved = JSON.parse(after.stdout) as {
      didDocument: { verificationMethod?: unknown }
      didDocumentMetadata: { deactivated?: boolean }
    }
    expect(resolved.didDocumentMetadata.deactivated).toBe(true)
    expect(resolved.didDocument.verificationMethod).toBeUndefined()
  })
})
