import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CliError, KeystoreError } from '../../src/cli/errors.js'
import { keystorePublicKey, openKeystore, writeKeystore } from '../../src/cli/keystore.js'
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js'
import { Ed25519KeyPair } from '../../src/method/keys.js'
import { PASS, runCli } from './run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-keystore-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const f = (name: string) => join(dir, name)

function thrown(fn: () => unknown): Error {
  try {
    fn()
  } catch (err) {
    return err as Error
  }
  throw new Error('expected a throw')
}

function edit(file: string, change: (json: Record<string, any>) => void): void {
  const json = JSON.parse(readFileSync(file, 'utf8'))
  change(json)
  writeFileSync(file, JSON.stringify(json))
}

describe('keystores', { timeout: 300_000 }, () => {
  it('new keystores use scrypt N = 2^17, r = 8, p = 1 and open; a keystore with the old N = 2^15 still opens', () => {
    const key = Ed25519KeyPair.generate()
    writeKeystore(f('new.key'), key, PASS)
    expect(JSON.parse(readFileSync(f('new.key'), 'utf8')).kdf).toMatchObject({ name: 'scrypt', N: 131_072, r: 8, p: 1 })
    expect(openKeystore(f('new.key'), PASS).publicKeyMultibase).toBe(key.publicKeyMultibase)
    // Written by the previous release (N = 2^15), with the passphrase PASS.
    const old = {
      type: 'grid-did-keystore',
      version: 1,
      publicKeyMultibase: 'z6MksbkDGQniX84zGq6SVrJaRTZkzLk8zWzEWJBbpn5ZyFtf',
      kdf: { name: 'scrypt', N: 32768, r: 8, p: 1, salt: 'JAssx3vr9n5ZZ2k0AsKGaA==' },
      cipher: {
        name: 'aes-256-gcm',
        iv: 'ZrBOM4690XN18KWq',
        tag: 'wM2UdeP8QT7YrmOp3oVTqw==',
        ciphertext: 'KIZ9QGESZ+lmG7cORnhMUKxdiuF2+/TxmVVRGETR9wo=',
      },
    }
    writeFileSync(f('old.key'), JSON.stringify(old))
    expect(openKeystore(f('old.key'), PASS).publicKeyMultibase).toBe(old.publicKeyMultibase)
  })

  it('an edited public key is refused on every load (ERR_GRID_KEYSTORE_MISMATCH), never returned', () => {
    const key = Ed25519KeyPair.generate()
    writeKeystore(f('edited.key'), key, PASS)
    const attacker = Ed25519KeyPair.generate().publicKeyMultibase
    edit(f('edited.key'), (json) => (json.publicKeyMultibase = attacker))
    for (const load of [() => openKeystore(f('edited.key'), PASS), () => keystorePublicKey(f('edited.key'), PASS)]) {
      const err = thrown(load)
      expect(err).toBeInstanceOf(KeystoreError)
      expect((err as KeystoreError).code).toBe('ERR_GRID_KEYSTORE_MISMATCH')
      expect(err.message).toBe(
        `the public key written in ${f('edited.key')} is not the one of its secret key: the file was altered; it is not used`,
      )
      expect(err.message).not.toContain(attacker)
    }
  })

  it('refuses KDF parameters outside the bounds before running scrypt (ERR_GRID_KEYSTORE_PARAMS)', () => {
    writeKeystore(f('bounds.key'), Ed25519KeyPair.generate(), PASS)
    const original = readFileSync(f('bounds.key'), 'utf8')
    const cases: [string, (json: Record<string, any>) => void][] = [
      ['N = 2^30 (hours of CPU, gigabytes of memory)', (j) => (j.kdf.N = 2 ** 30)],
      ['N = 2^19', (j) => (j.kdf.N = 2 ** 19)],
      ['N not a power of two', (j) => (j.kdf.N = 131_071)],
      ['N below 2^15', (j) => (j.kdf.N = 2 ** 14)],
      ['N a string', (j) => (j.kdf.N = '131072')],
      ['r = 64', (j) => (j.kdf.r = 64)],
      ['r = 0', (j) => (j.kdf.r = 0)],
      ['p = 1000', (j) => (j.kdf.p = 1000)],
      ['memory over 256 MiB', (j) => Object.assign(j.kdf, { N: 2 ** 18, r: 16 })],
      ['work over 2^22', (j) => Object.assign(j.kdf, { N: 2 ** 17, r: 8, p: 8 })],
      ['dkLen 1 GiB', (j) => (j.kdf.dkLen = 2 ** 30)],
    ]
    for (const [label, change] of cases) {
      writeFileSync(f('bounds.key'), original)
      edit(f('bounds.key'), change)
      const err = thrown(() => openKeystore(f('bounds.key'), PASS))
      expect(err, label).toBeInstanceOf(KeystoreError)
      expect((err as KeystoreError).code, label).toBe('ERR_GRID_KEYSTORE_PARAMS')
      expect(err.message, label).toMatch(/asks for scrypt parameters outside the accepted bounds/)
    }
    for (const [label, change] of [
      ['a 4-byte salt', (j) => (j.kdf.salt = 'AAAAAA==')],
      ['a 1 MiB salt', (j) => (j.kdf.salt = Buffer.alloc(1 << 20).toString('base64'))],
      ['salt not base64', (j) => (j.kdf.salt = '!!!!')],
      ['a short iv', (j) => (j.cipher.iv = 'AAAA')],
      ['a long ciphertext', (j) => (j.cipher.ciphertext = Buffer.alloc(64).toString('base64'))],
    ] as [string, (json: Record<string, any>) => void][]) {
      writeFileSync(f('bounds.key'), original)
      edit(f('bounds.key'), change)
      const err = thrown(() => openKeystore(f('bounds.key'), PASS))
      expect(err, label).toBeInstanceOf(KeystoreError)
      expect((err as KeystoreError).code, label).toBe('ERR_GRID_KEYSTORE_PARAMS')
      expect(err.message, label).toMatch(/has a malformed salt, iv, tag or ciphertext/)
    }
    writeFileSync(f('bounds.key'), original)
    const wrong = thrown(() => openKeystore(f('bounds.key'), 'not the passphrase'))
    expect(wrong).toBeInstanceOf(CliError)
    expect(wrong.message).toBe(`cannot unlock ${f('bounds.key')}: wrong passphrase or damaged keystore`)
  })

  it('did create refuses a recovery keystore whose public key was edited, and anchors nothing', async () => {
    const home = f('home')
    for (const k of ['utility', 'recovery']) expect((await runCli(home, dir, ['key', 'generate', '--out', f(`${k}.key`)])).code).toBe(0)
    const attacker = Ed25519KeyPair.generate().publicKeyMultibase
    edit(f('recovery.key'), (json) => (json.publicKeyMultibase = attacker))
    const run = await runCli(home, dir, [
      'did',
      'create',
      '--network',
      'sgcc',
      '--key',
      f('utility.key'),
      '--recovery-key',
      f('recovery.key'),
    ])
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      `grid-did: the public key written in ${f('recovery.key')} is not the one of its secret key: the file was altered; it is not used (ERR_GRID_KEYSTORE_MISMATCH)`,
    )
    if (existsSync(join(home, 'ledger.db'))) {
      const ledger = new SqliteLedger(join(home, 'ledger.db'))
      expect((await ledger.head()).height).toBe(0)
      await ledger.close()
    }
  })

  it('key generate --force over an existing file leaves mode 0600', async () => {
    writeFileSync(f('loose.key'), 'old content')
    chmodSync(f('loose.key'), 0o644)
    const run = await runCli(f('home'), dir, ['key', 'generate', '--out', f('loose.key'), '--force'])
    expect(run.code).toBe(0)
    expect(statSync(f('loose.key')).mode & 0o777).toBe(0o600)
    expect(openKeystore(f('loose.key'), PASS).publicKeyMultibase).toBe(run.stdout)
  })
})
