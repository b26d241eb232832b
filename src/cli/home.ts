import type Database from 'better-sqlite3'
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { betterSqlite3 } from '../ledger/peers/better-sqlite3.js'
import { SqliteLedger } from '../ledger/sqlite-ledger.js'
import type { Ledger } from '../ledger/types.js'
import { GridResolver } from '../resolver/resolver.js'
import type { StatusIndexStore } from '../vc/status-registry.js'
import { randomBytes } from '../lib/crypto.js'
import { CliError, HomeNotFoundError } from './errors.js'
import { openChainIndex, parseLedgerSpec } from './ledger.js'
import { lockHome, lockWaitMs, type HomeLock } from './lock.js'

/** What the CLI remembers besides the ledger. */
interface Config {
  /** The utility whose schemas and trust registry commands use by default (set by `trust init`). */
  utility?: string
  /** Networks whose DIDs live in this home's ledger (added by `did create`). */
  networks?: string[]
  /** Named chain ledgers for `--ledger NAME`: `{ "consortium": "evm:https://rpc.example#0x…" }`. */
  ledgers?: Record<string, string>
}

/** How a command opens the home. */
export interface HomeOptions {
  /** `--ledger` / `$GRID_DID_LEDGER`: `embedded` (default), `evm:<rpc-url>#<registry>`, or a name in `ledgers`. */
  ledger?: string
  /** EVM account keystore that signs anchoring transactions (`--writer-key` / `$GRID_DID_WRITER_KEY`). */
  writerKey?: string
  /** Asked only when the writer key is first used. */
  passphrase?: () => Promise<string>
  /** Told about every failed background sync of a chain ledger's index, with the back-off before the next try (`serve`). */
  onSyncError?: (err: unknown, retryInMs: number) => void
  /** The networks the resolver serves (`serve`'s configuration); default the ones config.json records. */
  networks?: readonly string[]
  /** Blocks a chain ledger's index may trail the chain before its reads fail (`serve --max-lag`); default no bound. */
  maxLag?: number
  /**
   * Whether the command writes to the home: only then is a missing home (or its embedded ledger)
   * created. A command that only reads fails on a missing home, naming the path, instead of reading
   * an empty one where every DID is "not found".
   */
  create?: boolean
  /**
   * `false`: the resolver neither reads nor writes checkpoints (`serve --no-checkpoints`); `true`: it
   * reads and writes them even though the command does not otherwise write (`serve`). Unset: a
   * command that writes reads and writes them, one that only reads reads them and writes none.
   */
  checkpoints?: boolean
  /** Told once when a command that writes waits for another writer's lock. */
  onLockWait?: () => void
}

/** One credential the CLI issued. */
export interface IssuedRecord {
  jti: string
  issuer: string
  role: string
  subject: string
  jwt: string
}

/**
 * The CLI's home: `--home DIR`, else `$GRID_DID_HOME`, else `./.grid-did`; created by the first
 * command that writes to it. Holds the embedded ledger (`ledger.db`), or the index of a chain ledger
 * (`chain-<registry>.db`), the issuer's own records (`cli.db`: allocated status indexes, issued
 * credentials), `config.json`, and `checkpoint.key`: the 32-byte secret (mode 0600, never printed)
 * that authenticates the resolver's checkpoints, so that a checkpoint row written into the ledger
 * file by anyone else is ignored (spec §Checkpoints).
 */
export class Home {
  readonly dir: string
  readonly ledger: Ledger
  #resolver: GridResolver | undefined
  /** `cli.db`, opened on first use; `null`: a read-only home that has none. */
  #db: Database.Database | null | undefined
  readonly #checkpoints: false | { secret?: Uint8Array }
  readonly #lock: HomeLock | undefined
  readonly #networks: readonly string[] | undefined

  /**
   * Opens the home at `dir` with the ledger `options` names (a chain ledger's index syncs first).
   *
   * A command that writes (`create`) makes the directory if it is missing, then takes the home's
   * writer lock ({@link lockHome}) before it creates or opens anything in it, so two writers on a
   * new home never race to create `ledger.db` or `cli.db`; {@link Home.close} releases it. A command
   * that only reads creates and modifies nothing: the embedded ledger is opened without `create`
   * and written to by nobody (no checkpoints, unless `checkpoints: true`; SQLite removes its `-wal`
   * and `-shm` files when it closes), `cli.db` is opened read-only and only if present, and no lock
   * or checkpoint key is made.
   * @throws {HomeNotFoundError} when `dir` does not exist and the command does not write.
   * @throws {HomeLockedError} when another writer holds the lock past the wait.
   */
  static async open(dir: string, options: HomeOptions = {}): Promise<Home> {
    const path = resolve(dir)
    const create = options.create ?? false
    const waitMs = create ? lockWaitMs() : 0
    if (!existsSync(path)) {
      if (!create) throw new HomeNotFoundError(path)
      mkdirSync(path, { recursive: true, mode: 0o700 })
    } else if (!statSync(path).isDirectory()) {
      throw new HomeNotFoundError(path)
    }
    const lock = create ? await lockHome(path, waitMs, options.onLockWait) : undefined
    try {
      const spec = parseLedgerSpec(options.ledger ?? process.env.GRID_DID_LEDGER, readConfig(path).ledgers)
      const secret = checkpointKey(path, create)
      const ledger =
        spec.kind === 'embedded'
          ? new SqliteLedger(join(path, 'ledger.db'), { create })
          : await openChainIndex(path, spec, options.writerKey ?? process.env.GRID_DID_WRITER_KEY, options.passphrase ?? noPassphrase, {
              ...(options.onSyncError ? { onError: options.onSyncError } : {}),
              ...(options.maxLag !== undefined ? { maxLag: options.maxLag } : {}),
            })
      // A command that only reads uses the home's checkpoints but writes none (a checkpoint is only
      // ever written after 2^53 operations): `serve`, a long-running resolver, keeps them up to date.
      const writes = create || options.checkpoints === true
      const checkpoints =
        options.checkpoints === false ? false : { ...(secret ? { secret } : {}), ...(writes ? {} : { every: Number.MAX_SAFE_INTEGER }) }
      return new Home(path, ledger, checkpoints, lock, options.networks)
    } catch (err) {
      lock?.release()
      throw err
    }
  }

  private constructor(
    dir: string,
    ledger: Ledger,
    checkpoints: false | { secret?: Uint8Array },
    lock: HomeLock | undefined,
    networks: readonly string[] | undefined,
  ) {
    this.#networks = networks
    this.dir = dir
    this.ledger = ledger
    this.#checkpoints = checkpoints
    this.#lock = lock
  }

  /** `cli.db`: made with its tables by a command that writes (under the lock); read-only otherwise, `null` when absent. */
  get #cli(): Database.Database | null {
    if (this.#db !== undefined) return this.#db
    const path = join(this.dir, 'cli.db')
    if (!this.#lock) {
      this.#db = existsSync(path) ? new (betterSqlite3())(path, { readonly: true, fileMustExist: true }) : null
      return this.#db
    }
    const db = new (betterSqlite3())(path)
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.exec(`
      CREATE TABLE IF NOT EXISTS status_index (issuer TEXT NOT NULL, list INTEGER NOT NULL, idx INTEGER NOT NULL, PRIMARY KEY (issuer, list, idx));
      CREATE TABLE IF NOT EXISTS issued (jti TEXT PRIMARY KEY, issuer TEXT NOT NULL, role TEXT NOT NULL, subject TEXT NOT NULL, jwt TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS issued_by_subject ON issued (issuer, role, subject);
      CREATE TABLE IF NOT EXISTS did (did TEXT PRIMARY KEY);
    `)
    this.#db = db
    return db
  }

  /** `cli.db` for a write: only a command that writes holds the lock it needs. */
  get #writable(): Database.Database {
    if (!this.#lock) throw new CliError('internal: a command that only reads tried to write the home')
    return this.#cli!
  }

  /** A resolver over this home's ledger for every network it holds. */
  get resolver(): GridResolver {
    this.#resolver ??= new GridResolver({
      networks: Object.fromEntries((this.#networks ?? this.config.networks ?? []).map((n) => [n, this.ledger])),
      checkpoints: this.#checkpoints,
    })
    return this.#resolver
  }

  /** Records that `network` lives in this home (so its DIDs resolve). */
  addNetwork(network: string): void {
    const networks = this.config.networks ?? []
    if (networks.includes(network)) return
    this.setConfig({ networks: [...networks, network] })
    this.#resolver = undefined
  }

  static defaultDir(option: string | undefined): string {
    return option ?? process.env.GRID_DID_HOME ?? join(process.cwd(), '.grid-did')
  }

  get config(): Config {
    return readConfig(this.dir)
  }

  setConfig(change: Partial<Config>): void {
    writeFileSync(join(this.dir, 'config.json'), `${JSON.stringify({ ...this.config, ...change }, null, 2)}\n`)
  }

  /** A durable, shared record of the status indexes `issuer` has allocated. */
  statusStore(issuer: string): StatusIndexStore {
    const db = this.#writable
    const insert = db.prepare('INSERT OR IGNORE INTO status_index (issuer, list, idx) VALUES (?, ?, ?)')
    const count = db.prepare('SELECT COUNT(*) AS n FROM status_index WHERE issuer = ? AND list = ?')
    return {
      reserve: (list, index) => insert.run(issuer, list, index).changes === 1,
      count: (list) => (count.get(issuer, list) as { n: number }).n,
    }
  }

  recordIssued(record: IssuedRecord): void {
    this.#writable.prepare('INSERT INTO issued (jti, issuer, role, subject, jwt) VALUES (@jti, @issuer, @role, @subject, @jwt)').run(record)
  }

  /** Records a DID `did create` anchored from this home (for `key list`). */
  recordDid(did: string): void {
    this.#writable.prepare('INSERT OR IGNORE INTO did (did) VALUES (?)').run(did)
  }

  /** The DIDs `did create` anchored from this home, oldest first (none in a home made before they were recorded). */
  dids(): string[] {
    const db = this.#cli
    if (!db?.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'did'").get()) return []
    return (db.prepare('SELECT did FROM did ORDER BY rowid').all() as { did: string }[]).map((r) => r.did)
  }

  /** Every credential issued from this home, oldest first. */
  allIssued(): IssuedRecord[] {
    return (this.#cli?.prepare('SELECT * FROM issued ORDER BY rowid').all() as IssuedRecord[] | undefined) ?? []
  }

  issued(jti: string): IssuedRecord | undefined {
    return this.#cli?.prepare('SELECT * FROM issued WHERE jti = ?').get(jti) as IssuedRecord | undefined
  }

  issuedTo(issuer: string, role: string, subject: string): IssuedRecord | undefined {
    return this.#cli
      ?.prepare('SELECT * FROM issued WHERE issuer = ? AND role = ? AND subject = ? ORDER BY rowid DESC LIMIT 1')
      .get(issuer, role, subject) as IssuedRecord | undefined
  }

  /** Closes the stores, then releases the writer lock (if this command writes). */
  async close(): Promise<void> {
    try {
      this.#db?.close()
      await this.ledger.close()
    } finally {
      this.#lock?.release()
    }
  }
}

/** The home's config.json (empty when there is none). */
export function readConfig(dir: string): Config {
  const path = join(dir, 'config.json')
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Config) : {}
}

/** Secret of the resolver's checkpoints. */
const CHECKPOINT_KEY = 'checkpoint.key'

/**
 * The home's checkpoint secret: made (32 random bytes, mode 0600) by a command that writes; a home
 * made before it existed, opened by one that only reads, has none and its resolver uses a random one.
 */
function checkpointKey(dir: string, create: boolean): Uint8Array | undefined {
  const path = join(dir, CHECKPOINT_KEY)
  if (!existsSync(path)) {
    if (!create) return undefined
    try {
      writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' })
    } catch (err) {
      // Another process made it first: use theirs.
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err
    }
  }
  const secret = new Uint8Array(readFileSync(path))
  if (secret.length !== 32)
    throw new CliError(`${path} is damaged: a checkpoint key is 32 bytes, this one ${secret.length}; delete it to make a new one`)
  return secret
}

async function noPassphrase(): Promise<string> {
  throw new CliError('no passphrase for the writer key')
}
