/**
 * `grid-did serve`'s configuration: flags > environment > config file > the home's config.json, and
 * a missing or wrong setting refused at start with ERR_GRID_CONFIG, never a 501 at request time.
 */
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ConfigError, UsageError } from '../../src/cli/errors.js'
import { serveConfig } from '../../src/cli/serve-config.js'
import { SqliteLedger } from '../../src/ledger/sqlite-ledger.js'
import { VERSION } from '../../src/lib/version.js'
import { anchorDids, bin, PASS, runCli } from './run-cli.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-serve-config-'))
const file = (name: string, content: unknown) => {
  const path = join(dir, name)
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content))
  return path
}
const DID = `did:grid:sgcc:${'a'.repeat(52)}`

function configError(run: () => unknown, message: string | RegExp, usage = false): void {
  try {
    run()
  } catch (err) {
    expect(err).toBeInstanceOf(usage ? UsageError : ConfigError)
    expect((err as ConfigError).code).toBe(usage ? 'ERR_GRID_USAGE' : 'ERR_GRID_CONFIG')
    expect((err as Error).message).toMatch(message)
    return
  }
  throw new Error('no ConfigError')
}

describe('serveConfig', () => {
  it('takes each setting from its flag, else its variable, else the file, else the home, else the default', () => {
    const path = file('all.json', { networks: ['filenet'], port: 9000, host: '0.0.0.0', maxLag: 3, ledger: 'consortium', cacheEntries: 0 })
    const config = serveConfig({ config: path, network: ['flagnet'] }, { GRID_DID_NETWORKS: 'envnet', GRID_DID_PORT: '9100' }, ['homenet'])
    expect(config).toEqual({
      networks: ['flagnet'],
      ledger: 'consortium',
      host: '0.0.0.0',
      port: 9100,
      corsOrigin: '*',
      cache: false,
      testIdentifiers: [],
      logFormat: 'text',
      maxLag: 3,
      syncInterval: 1000,
    })
    expect(serveConfig({ config: path }, { GRID_DID_NETWORKS: 'a, b' }, ['homenet']).networks).toEqual(['a', 'b'])
    expect(serveConfig({ config: path }, {}, ['homenet']).networks).toEqual(['filenet'])
    expect(serveConfig({}, { GRID_DID_CONFIG: path }, ['homenet']).networks).toEqual(['filenet'])
    expect(serveConfig({}, {}, ['homenet']).networks).toEqual(['homenet'])
    const flags = serveConfig(
      {
        network: ['sgcc'],
        testIdentifier: [DID],
        corsOrigin: 'https://x.example',
        cacheEntries: '5',
        cacheBytes: '100',
        logFormat: 'json',
      },
      {},
      [],
    )
    expect(flags).toMatchObject({
      testIdentifiers: [DID],
      corsOrigin: 'https://x.example',
      cache: { maxEntries: 5, maxBytes: 100 },
      logFormat: 'json',
    })
  })

  it('refuses a missing network, an unknown key, a bad value and a test identifier of a network not served', () => {
    configError(() => serveConfig({}, {}, []), /^no network to serve: pass --network NAME/)
    configError(
      () => serveConfig({ config: file('unknown.json', { networks: ['a'], prot: 1 }) }, {}, []),
      /unknown key "prot" in the config file/,
    )
    configError(
      () => serveConfig({ config: file('port.json', { networks: ['a'], port: '80' }) }, {}, []),
      /"port" in .* must be an integer from 0 to 65535, got "80"/,
    )
    configError(() => serveConfig({ config: file('array.json', [1]) }, {}, []), /must hold a JSON object/)
    configError(() => serveConfig({ config: file('broken.json', '{') }, {}, []), /cannot read the config file/)
    configError(() => serveConfig({ config: join(dir, 'missing.json') }, {}, []), /cannot read the config file .*ENOENT/)
    configError(() => serveConfig({ network: ['Bad'] }, {}, []), /--network must be network names/, true)
    configError(() => serveConfig({ network: ['a'] }, { GRID_DID_MAX_LAG: '-1' }, []), /\$GRID_DID_MAX_LAG must be an integer from 0/)
    configError(() => serveConfig({ network: ['a'], logFormat: 'xml' }, {}, []), /--log-format must be one of text, json/, true)
    configError(
      () => serveConfig({ network: ['a'], testIdentifier: ['did:web:x'] }, {}, []),
      /--test-identifier must be did:grid DIDs/,
      true,
    )
    configError(
      () => serveConfig({ network: ['other'], testIdentifier: [DID] }, {}, []),
      /is of network "sgcc", which is not served \(other\)/,
    )
  })
})

/** Runs `serve` on `home` with `args` and `env` until `body` is done. */
async function serving(home: string, args: string[], env: Record<string, string>, body: (url: string) => Promise<void>): Promise<void> {
  const child = spawn(process.execPath, [bin, '--home', home, 'serve', '--port', '0', ...args], {
    env: { ...process.env, GRID_DID_PASSPHRASE: PASS, ...env },
  })
  let err = ''
  child.stderr.on('data', (c: Buffer) => (err += c.toString()))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        const m = /listening on (\S+)/.exec(c.toString())
        if (m) resolve(m[1]!)
      })
      child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${err}`)))
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

describe('grid-did serve configured', { timeout: 120_000 }, () => {
  it('serves a network named only by a flag, a variable or a config file, on a fresh home', async () => {
    const home = join(dir, 'fresh')
    mkdirSync(home)
    await new SqliteLedger(join(home, 'ledger.db'), { create: true }).close()
    const [did] = await anchorDids(home, 1, 'utilnet')
    const config = file('serve.json', { networks: ['utilnet'], testIdentifiers: [did], corsOrigin: 'https://resolver.example' })
    for (const [args, env] of [
      [['--network', 'utilnet', '--test-identifier', did!], {}],
      [[], { GRID_DID_NETWORKS: 'utilnet', GRID_DID_TEST_IDENTIFIERS: did! }],
      [['--config', config], {}],
    ] as [string[], Record<string, string>][]) {
      await serving(home, args, env, async (url) => {
        const res = await fetch(`${url}/1.0/identifiers/${did}`)
        expect(res.status).toBe(200)
        expect(((await res.json()) as { didDocument: { id: string } }).didDocument.id).toBe(did)
        expect(await (await fetch(`${url}/1.0/testIdentifiers`)).json()).toEqual({ grid: [did] })
        const properties = (await (await fetch(`${url}/1.0/properties`)).json()) as { grid: { version: string; networks: string[] } }
        expect(properties.grid).toMatchObject({ version: VERSION, networks: ['utilnet'] })
      })
    }
    await serving(home, ['--config', config], {}, async (url) => {
      expect((await fetch(`${url}/1.0/methods`)).headers.get('access-control-allow-origin')).toBe('https://resolver.example')
    })
  })

  it('refuses to start without a network or with an unknown key: ERR_GRID_CONFIG, exit 1, nothing listening', async () => {
    const home = join(dir, 'empty')
    mkdirSync(home)
    const none = await runCli(home, dir, ['serve', '--port', '0'], { env: { GRID_DID_NETWORKS: undefined, GRID_DID_CONFIG: undefined } })
    expect(none.code).toBe(1)
    expect(none.stdout).toBe('')
    expect(none.stderr).toBe(
      'grid-did: no network to serve: pass --network NAME (repeatable), set $GRID_DID_NETWORKS=a,b, or list "networks" in the --config file (ERR_GRID_CONFIG)',
    )
    const path = file('typo.json', { network: ['utilnet'] })
    const typo = await runCli(home, dir, ['serve', '--port', '0', '--config', path])
    expect(typo.code).toBe(1)
    expect(typo.stderr).toMatch(/^grid-did: unknown key "network" in the config file .*typo\.json; known: networks, .*\(ERR_GRID_CONFIG\)$/)
    const port = await runCli(home, dir, ['serve', '--network', 'a', '--port', 'x'])
    expect(port.code).toBe(2)
    expect(port.stderr).toBe('grid-did: --port must be an integer from 0 to 65535, got "x"')
    const variable = await runCli(home, dir, ['serve', '--network', 'a'], { env: { GRID_DID_PORT: '70000' } })
    expect(variable.code).toBe(1)
    expect(variable.stderr).toBe('grid-did: $GRID_DID_PORT must be an integer from 0 to 65535, got "70000" (ERR_GRID_CONFIG)')
  })
})
