import { readFileSync } from 'node:fs'
import { isNetworkName, parseDid } from '../method/did.js'
import { messageOf } from '../lib/message.js'
import { ConfigError, UsageError } from './errors.js'
import { printable } from './printable.js'

/** Everything `grid-did serve` runs with, once its sources are merged ({@link serveConfig}). */
export interface ServeConfig {
  /** The networks served, each by the ledger `ledger` names. */
  networks: string[]
  /** `--ledger` spec from the config file (the global flag and `$GRID_DID_LEDGER` win; unset: the home's default). */
  ledger: string | undefined
  host: string
  port: number
  corsOrigin: string
  /** Answer cache bounds; `false` when `cacheEntries` is 0. */
  cache: false | { maxEntries: number; maxBytes: number }
  /** DIDs listed by `/1.0/testIdentifiers`; each of a served network. */
  testIdentifiers: string[]
  logFormat: 'text' | 'json'
  /** Blocks a chain index may trail the chain before `/health` is 503 and resolution `internalError`. */
  maxLag: number
  /** How often a chain ledger's index follows the chain, ms. */
  syncInterval: number
}

/** `serve`'s own flags, as commander hands them over (strings, unset when not given). */
export interface ServeFlags {
  network?: string[]
  config?: string
  host?: string
  port?: string
  corsOrigin?: string
  cacheEntries?: string
  cacheBytes?: string
  testIdentifier?: string[]
  logFormat?: string
  maxLag?: string
  syncInterval?: string
}

type Key = Exclude<keyof ServeConfig, 'cache'> | 'cacheEntries' | 'cacheBytes'
type Value = string | number | string[]

/** Each setting: its flag, its environment variable, its default, and how a value is checked. */
const SETTINGS: Record<Key, { flag: string; env: string; fallback?: Value; parse: (v: unknown, where: string) => Value }> = {
  networks: { flag: '--network', env: 'GRID_DID_NETWORKS', parse: (v, w) => list(v, w, networkName) },
  ledger: { flag: '--ledger', env: 'GRID_DID_LEDGER', parse: (v, w) => text(v, w) },
  host: { flag: '--host', env: 'GRID_DID_HOST', fallback: '127.0.0.1', parse: (v, w) => text(v, w) },
  port: { flag: '--port', env: 'GRID_DID_PORT', fallback: 8080, parse: (v, w) => integer(v, w, 0, 65_535) },
  corsOrigin: { flag: '--cors-origin', env: 'GRID_DID_CORS_ORIGIN', fallback: '*', parse: (v, w) => text(v, w) },
  cacheEntries: { flag: '--cache-entries', env: 'GRID_DID_CACHE_ENTRIES', fallback: 1_000, parse: (v, w) => integer(v, w, 0) },
  cacheBytes: { flag: '--cache-bytes', env: 'GRID_DID_CACHE_BYTES', fallback: 16 * 2 ** 20, parse: (v, w) => integer(v, w, 1) },
  testIdentifiers: { flag: '--test-identifier', env: 'GRID_DID_TEST_IDENTIFIERS', fallback: [], parse: (v, w) => list(v, w, did) },
  logFormat: { flag: '--log-format', env: 'GRID_DID_LOG_FORMAT', fallback: 'text', parse: (v, w) => oneOf(v, w, ['text', 'json']) },
  maxLag: { flag: '--max-lag', env: 'GRID_DID_MAX_LAG', fallback: 10, parse: (v, w) => integer(v, w, 0) },
  syncInterval: { flag: '--sync-interval', env: 'GRID_DID_SYNC_INTERVAL', fallback: 1_000, parse: (v, w) => integer(v, w, 10) },
}

/** The config file's keys: the settings' names. */
const FILE_KEYS = Object.keys(SETTINGS) as Key[]

/** A flag's commander name for each setting. */
const FLAG_OF: Record<Key, keyof ServeFlags | undefined> = {
  networks: 'network',
  ledger: undefined,
  host: 'host',
  port: 'port',
  corsOrigin: 'corsOrigin',
  cacheEntries: 'cacheEntries',
  cacheBytes: 'cacheBytes',
  testIdentifiers: 'testIdentifier',
  logFormat: 'logFormat',
  maxLag: 'maxLag',
  syncInterval: 'syncInterval',
}

/**
 * Merges `serve`'s configuration, each setting from the first source that has it: its flag, its
 * environment variable (`GRID_DID_NETWORKS=a,b`, `GRID_DID_PORT`, …), the JSON config file
 * (`--config FILE` or `$GRID_DID_CONFIG`: an object of the setting names), then, for `networks`
 * only, the home's config.json (the networks `did create` recorded); else its default. The global
 * `--ledger` and `$GRID_DID_LEDGER` are read by the home and win over the file's `ledger`.
 * @throws {UsageError} for a malformed flag value (exit code 2).
 * @throws {ConfigError} when no network is configured, the file is unreadable, not JSON, or has an
 *   unknown key, a value is malformed, or a test identifier is of a network not served.
 * @example `serveConfig({ network: ['sgcc'] }, process.env, [])`
 * @see https://github.com/grid-did/grid-did/blob/main/spec/did-grid.md#resolution
 */
export function serveConfig(
  flags: ServeFlags,
  env: Readonly<Record<string, string | undefined>>,
  homeNetworks: readonly string[],
): ServeConfig {
  const path = flags.config ?? nonEmpty(env.GRID_DID_CONFIG)
  const file = path === undefined ? {} : readConfigFile(path)
  const pick = (key: Key): Value | undefined => {
    const setting = SETTINGS[key]
    const flagName = FLAG_OF[key]
    const flag = flagName === undefined ? undefined : flags[flagName]
    if (flag !== undefined && !(Array.isArray(flag) && flag.length === 0)) return setting.parse(flag, setting.flag)
    const fromEnv = nonEmpty(env[setting.env])
    if (fromEnv !== undefined && key !== 'ledger') return setting.parse(fromEnv, `$${setting.env}`)
    if (key in file) return setting.parse(file[key], `"${key}" in ${path}`)
    return setting.fallback
  }
  const settings = Object.fromEntries(FILE_KEYS.map((key) => [key, pick(key)])) as Record<Key, Value | undefined>
  const networks = (settings.networks as string[] | undefined) ?? [...homeNetworks]
  if (networks.length === 0) {
    throw new ConfigError(
      'no network to serve: pass --network NAME (repeatable), set $GRID_DID_NETWORKS=a,b, or list "networks" in the --config file',
    )
  }
  const testIdentifiers = settings.testIdentifiers as string[]
  for (const id of testIdentifiers) {
    const network = parseDid(id).network
    if (!networks.includes(network)) {
      throw new ConfigError(`test identifier ${id} is of network "${network}", which is not served (${networks.join(', ')})`)
    }
  }
  const maxEntries = settings.cacheEntries as number
  return {
    networks: [...new Set(networks)],
    ledger: settings.ledger as string | undefined,
    host: settings.host as string,
    port: settings.port as number,
    corsOrigin: settings.corsOrigin as string,
    cache: maxEntries === 0 ? false : { maxEntries, maxBytes: settings.cacheBytes as number },
    testIdentifiers,
    logFormat: settings.logFormat as 'text' | 'json',
    maxLag: settings.maxLag as number,
    syncInterval: settings.syncInterval as number,
  }
}

function readConfigFile(path: string): Partial<Record<Key, unknown>> {
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError(`cannot read the config file ${printable(path)}: ${messageOf(err)}`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`the config file ${printable(path)} must hold a JSON object`)
  }
  for (const key of Object.keys(parsed)) {
    if (!(FILE_KEYS as string[]).includes(key)) {
      throw new ConfigError(`unknown key "${printable(key)}" in the config file ${printable(path)}; known: ${FILE_KEYS.join(', ')}`)
    }
  }
  return parsed as Partial<Record<Key, unknown>>
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}

/** A bad value: a flag's is a usage error (exit 2), a variable's or the file's a configuration error. */
function bad(where: string, what: string, value: unknown): ConfigError | UsageError {
  const message = `${where} must be ${what}, got ${printable(JSON.stringify(value) ?? String(value))}`
  return where.startsWith('--') ? new UsageError(message) : new ConfigError(message)
}

function text(value: unknown, where: string): string {
  if (typeof value !== 'string' || value === '') throw bad(where, 'a non-empty string', value)
  return value
}

/** An integer from a flag or variable (decimal digits only) or a file (a JSON number). */
function integer(value: unknown, where: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  // A flag or a variable is text; the file's value must be a JSON number.
  const n = typeof value === 'string' && !where.startsWith('"') && /^\d+$/.test(value) ? Number(value) : value
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) {
    throw bad(where, `an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`, value)
  }
  return n
}

function oneOf(value: unknown, where: string, choices: string[]): string {
  if (typeof value !== 'string' || !choices.includes(value)) throw bad(where, `one of ${choices.join(', ')}`, value)
  return value
}

/** A list: repeated flags, a comma-separated variable, or a JSON array of strings. */
function list(value: unknown, where: string, each: (v: string, where: string) => string): string[] {
  const items = typeof value === 'string' ? value.split(',').map((s) => s.trim()) : value
  if (!Array.isArray(items)) throw bad(where, 'a list', value)
  return items.map((v) => each(text(v, where), where))
}

function networkName(value: string, where: string): string {
  if (!isNetworkName(value)) throw bad(where, 'network names of 1-16 characters a-z0-9 starting with a letter', value)
  return value
}

function did(value: string, where: string): string {
  try {
    const parsed = parseDid(value)
    if (parsed.did !== value) throw new Error('not a bare DID')
    return value
  } catch {
    throw bad(where, 'did:grid DIDs', value)
  }
}
