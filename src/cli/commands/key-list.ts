import { existsSync, readdirSync, statSync } from 'node:fs'
import { basename, extname, join, resolve } from 'node:path'
import type { Command } from 'commander'
import type { DidState } from '../../method/state.js'
import type { CommandContext } from '../context.js'
import { CliError, HomeNotFoundError } from '../errors.js'
import { Home } from '../home.js'
import { keystoreLabel } from '../keystore.js'
import { printable } from '../printable.js'
import { collect } from '../options.js'

/** The home's keystore directory: where `--name NAME` keeps `NAME.key`, and what `key list` lists. */
export function keysDir(home: string | undefined): string {
  return join(resolve(Home.defaultDir(home)), 'keys')
}

/** One keystore as `key list` shows it: never anything secret. */
interface Listed {
  name: string
  file: string
  kind: 'ed25519' | 'evm'
  publicKeyMultibase?: string
  address?: string
  /** DIDs created from this home whose current state uses the key, and how (`update`, `recovery`, a method id). */
  dids?: { did: string; as: string[] }[]
}

/** `grid-did key list`: the keystores of the home's keys/ directory (and of --dir), with the DIDs that use them. */
export function registerKeyList(key: Command, { globals, openHome, print }: CommandContext): void {
  key
    .command('list')
    .description(
      "the home's keystores (keys/, made by --name) and those in --dir: name, kind, public key or address (as the file labels it), and the DIDs created from this home that use it; no passphrase, nothing secret",
    )
    .option('--dir <dir>', 'also list the keystores in this directory (repeatable)', collect, [] as string[])
    .option('--no-dids', 'do not look up the DIDs that use each key (no ledger read)')
    .action(async (o: { dir: string[]; dids: boolean }) => {
      const home = resolve(Home.defaultDir(globals().home))
      if (o.dir.length === 0 && !existsSync(home)) throw new HomeNotFoundError(home)
      const listed = [keysDir(globals().home), ...o.dir].flatMap((d, i) => keystoresIn(d, i > 0))
      // DIDs are recorded in cli.db by `did create`: without it there is none to look up (and maybe no ledger yet).
      if (o.dids && existsSync(join(home, 'cli.db'))) {
        const opened = await openHome({ create: false })
        try {
          const states: DidState[] = []
          for (const did of opened.dids()) {
            const state = await opened.resolver.resolveState(did)
            if (!state.deactivated) states.push(state)
          }
          for (const k of listed) if (k.publicKeyMultibase) k.dids = usesOf(states, k.publicKeyMultibase)
        } finally {
          await opened.close()
        }
      }
      // One line per keystore, whatever its file says (a label with a newline cannot forge a line).
      const text = listed.map((k) =>
        printable(
          [k.name, k.kind, k.publicKeyMultibase ?? k.address, k.file, ...(k.dids ?? []).map((u) => `${u.did} (${u.as.join(', ')})`)].join(
            '  ',
          ),
        ),
      )
      print(listed, text.length > 0 ? text.join('\n') : `no keystores in ${keysDir(globals().home)}`)
    })
}

/** The grid-did keystores in `dir` (other files are passed over); a --dir that is missing is an error. */
function keystoresIn(dir: string, named: boolean): Listed[] {
  if (!existsSync(dir)) {
    if (named) throw new CliError(`--dir ${dir}: no such directory`)
    return []
  }
  if (!statSync(dir).isDirectory()) throw new CliError(`${dir} is not a directory`)
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const file = join(dir, entry)
      const label = statSync(file).isFile() ? keystoreLabel(file) : undefined
      if (!label) return []
      return [{ name: basename(entry, extname(entry)), file, ...label }]
    })
}

/** Where `key` appears in each state: as its update key, its recovery key, or a verification method. */
function usesOf(states: readonly DidState[], key: string): { did: string; as: string[] }[] {
  return states.flatMap((s) => {
    const as = [
      ...(s.updateKey === key ? ['update'] : []),
      ...(s.recoveryKey === key ? ['recovery'] : []),
      ...s.verificationMethods.filter((vm) => vm.publicKeyMultibase === key).map((vm) => vm.id),
    ]
    return as.length > 0 ? [{ did: s.did, as }] : []
  })
}
