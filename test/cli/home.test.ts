import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, describe, expect, it } from 'vitest'
import { GridResolver, updateDid } from '../../src/index.js'
import { Home } from '../../src/cli/home.js'
import { newDid } from '../helpers.js'

const root = join(import.meta.dirname, '..', '..')
const bin = join(root, 'dist', 'cli', 'bin.js')
const dir = mkdtempSync(join(tmpdir(), 'grid-did-home-test-'))
const PASS = 'correct horse battery staple'
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function cli(home: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, '--home', home, ...args],
      { cwd: dir, env: { ...process.env, GRID_DID_PASSPHRASE: PASS } },
      (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout: stdout.trim(), stderr: stderr.trim() }),
    )
  })
}

/** Runs `serve` on `home` until `body` is done. */
async function serving(home: string, args: string[], body: (url: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [bin, '--home', home, 'serve', '--port', '0', ...args], {
    env: { ...process.env, GRID_DID_PASSPHRASE: PASS },
  })
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        const m = /listening on (\S+)/.exec(c.toString())
        if (m) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)))
    })
    await body(url)
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await exited
    }
  }
}

describe('the CLI home', () => {
  it('a read-only command or serve on a missing home is one line naming the path, exit 1, and makes nothing', async () => {
    const missing = join(dir, 'no-such-home')
    const did = (await newDid('home-missing')).create.did
    for (const args of [
      ['resolve', did],
      ['did', 'history', did],
      ['vc', 'verify', 'a.b.c'],
      ['ledger', 'info'],
      ['serve', '--port', '0'],
    ]) {
      const run = await cli(missing, args)
      expect(run.code, args.join(' ')).toBe(1)
      expect(run.stdout, args.join(' ')).toBe('')
      expect(run.stderr, args.join(' ')).toBe(
        `grid-did: no grid-did home at ${missing} (check --home or $GRID_DID_HOME; a command that writes, such as "did create", makes one) (ERR_GRID_HOME_NOT_FOUND)`,
      )
      expect(existsSync(missing), args.join(' ')).toBe(false)
    }
  })

  it('a home whose ledger file is gone is an error naming the file, never an empty ledger', async () => {
    const home = join(dir, 'lost-ledger')
    const opened = await Home.open(home, { create: true })
    await opened.close()
    rmSync(join(home, 'ledger.db'))
    const run = await cli(home, ['resolve', (await newDid('home-lost')).create.did])
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `grid-did: no ledger at ${join(home, 'ledger.db')} (pass { create: true } to make a new one) (ERR_GRID_LEDGER_UNAVAILABLE)`,
    )
    expect(existsSync(join(home, 'ledger.db'))).toBe(false)
  })

  it('the first writing command makes the home with a checkpoint key: 32 bytes, mode 0600, never printed', async () => {
    const home = join(dir, 'fresh')
    const keyFile = join(dir, 'fresh-update.key')
    const recoveryFile = join(dir, 'fresh-recovery.key')
    for (const file of [keyFile, recoveryFile]) expect((await cli(home, ['key', 'generate', '--out', file])).code).toBe(0)
    expect(existsSync(home)).toBe(false) // a keystore lives where --out says, not in the home
    const created = await cli(home, ['did', 'create', '--network', 'sgcc', '--key', keyFile, '--recovery-key', recoveryFile])
    expect(created.code, created.stderr).toBe(0)
    const secret = readFileSync(join(home, 'checkpoint.key'))
    expect(secret.length).toBe(32)
    expect(statSync(join(home, 'checkpoint.key')).mode & 0o777).toBe(0o600)
    const resolved = await cli(home, ['--json', 'resolve', created.stdout])
    expect(resolved.code).toBe(0)
    for (const text of [created.stdout, created.stderr, resolved.stdout, resolved.stderr]) {
      for (const encoding of ['hex', 'base64', 'base64url'] as const) expect(text).not.toContain(secret.toString(encoding).slice(0, 16))
    }
  })

  it('serve keeps authenticated checkpoints with the home key; --no-checkpoints reads and writes none', async () => {
    const home = join(dir, 'checkpoints')
    const opened = await Home.open(home, { create: true })
    opened.addNetwork('test')
    const d = await newDid('home-cp')
    await opened.ledger.submit([d.create])
    const reference = new GridResolver({ networks: { test: opened.ledger }, checkpoints: false })
    for (let i = 0; i < 33; i++) {
      const state = await reference.resolveState(d.create.did)
      await opened.ledger.submit([
        await updateDid(state, d.update, { patches: [{ action: 'set-also-known-as', alsoKnownAs: [`https://v${i}.example`] }] }),
      ])
    }
    await opened.close()
    const rows = () => {
      const db = new Database(join(home, 'ledger.db'), { readonly: true })
      const out = db.prepare('SELECT height, operations FROM checkpoints').all()
      db.close()
      return out
    }
    const resolveVia = async (url: string) => {
      const res = await fetch(`${url}/1.0/identifiers/${d.create.did}`)
      expect(res.status).toBe(200)
      return ((await res.json()) as { didDocumentMetadata: { versionId: string } }).didDocumentMetadata.versionId
    }
    await serving(home, ['--no-checkpoints'], async (url) => expect(await resolveVia(url)).toBe('34'))
    expect(rows()).toEqual([])
    await serving(home, [], async (url) => expect(await resolveVia(url)).toBe('34'))
    expect(rows()).toEqual([{ height: 34, operations: 34 }])
    // The row is tagged under the home's key: a resolver holding it accepts it, another does not.
    const secret = new Uint8Array(readFileSync(join(home, 'checkpoint.key')))
    const again = await Home.open(home)
    const { decodeCheckpoint } = await import('../../src/resolver/checkpoint.js')
    const { parseDid } = await import('../../src/method/did.js')
    const stored = (await (again.ledger as import('../../src/ledger/sqlite.js').SqliteLedger).readCheckpoint(d.create.suffix, 34))!
    expect(decodeCheckpoint(secret, stored, parseDid(d.create.did))?.state?.versionId).toBe(34)
    expect(decodeCheckpoint(new Uint8Array(32), stored, parseDid(d.create.did))).toBeNull()
    await again.close()
  })
})
