/**
 * Shell completion generated from the command tree: every command and option appears in the script,
 * and bash, sourcing it, completes commands, subcommands, options and option values (files).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { bashCompletion, completionTree, zshCompletion } from '../../src/cli/completion.js'
import { nodeIo } from '../../src/cli/io.js'
import { createProgram, main } from '../../src/cli/main.js'

const dir = mkdtempSync(join(tmpdir(), 'grid-did-completion-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const program = () => createProgram(nodeIo, () => undefined)

async function printed(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(args, { stdout: (t) => (out += t), stderr: (t) => (err += t), interactive: false, readStdin: async () => '' })
  return { code, out, err }
}

const bash = ['/bin/bash', '/usr/bin/bash'].find((p) => existsSync(p))

describe('grid-did completion', () => {
  const tree = completionTree(program())

  it('walks the whole tree: the day-2 commands and their options are in it', () => {
    const paths = tree.map((n) => n.path)
    for (const p of ['key list', 'key import', 'trust list', 'trust remove', 'vc list', 'ledger writer list', 'did update', 'completion'])
      expect(paths).toContain(p)
    expect(tree.find((n) => n.path === 'key import')!.valued).toEqual(expect.arrayContaining(['--from', '--out', '--name', '--type']))
    expect(tree.find((n) => n.path === 'did rotate')!.options).toEqual(expect.arrayContaining(['--force', '--key', '--new-key', '--help']))
    expect(tree[0]!.valued).toEqual(expect.arrayContaining(['--home', '--passphrase-file']))
    expect(tree.length).toBeGreaterThan(40)
  })

  it('prints a bash script naming every command and every option of each (exit 0); zsh wraps it in bashcompinit', async () => {
    const run = await printed(['completion', 'bash'])
    expect(run).toMatchObject({ code: 0, err: '' })
    expect(run.out).toBe(bashCompletion(program()))
    for (const n of tree) {
      if (n.commands.length > 0) expect(run.out).toContain(`'${n.path}') echo '${n.commands.join(' ')}' ;;`)
      expect(run.out).toContain(`'${n.path}') echo '${n.options.join(' ')}' ;;`)
      for (const v of n.valued) expect(run.out).toContain(`'${n.path}|${v}'`)
    }
    const zsh = await printed(['completion', 'zsh'])
    expect(zsh.code).toBe(0)
    expect(zsh.out).toBe(zshCompletion(program()))
    expect(zsh.out).toMatch(/^# zsh completion[^\n]*\nautoload -U \+X compinit && compinit\nautoload -U \+X bashcompinit && bashcompinit\n/)
    const fish = await printed(['--json', 'completion', 'fish'])
    expect(fish.code).toBe(2)
    expect(JSON.parse(fish.err)).toEqual({ error: { code: 'ERR_GRID_USAGE', message: 'the shell must be bash or zsh, got "fish"' } })
  })

  it.skipIf(!bash)('bash, sourcing it, completes every command’s subcommands and options, and files for option values', async () => {
    const script = join(dir, 'grid-did.bash')
    writeFileSync(script, (await printed(['completion', 'bash'])).out)
    writeFileSync(join(dir, 'utility.key'), '{}')
    // One bash for every case: COMP_WORDS / COMP_CWORD as bash sets them, then the function's COMPREPLY.
    const cases: string[][] = [
      ...tree.filter((n) => n.commands.length > 0).map((n) => ['grid-did', ...(n.path ? n.path.split(' ') : []), '']),
      ...tree.map((n) => ['grid-did', ...(n.path ? n.path.split(' ') : []), '--']),
      ['grid-did', '--home', '/tmp/h', 'tr'],
      ['grid-did', '--json', 'did', 'create', '--key', 'util'],
      ['grid-did', 'did', 'create', '--key', join(dir, 'utility.key'), '--rec'],
    ]
    const lines = cases.map(
      (words) =>
        `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; COMPREPLY=(); _grid_did; echo "\${COMPREPLY[*]}"`,
    )
    const out = execFileSync(bash!, ['-c', `source '${script}'\ncd '${dir}'\n${lines.join('\n')}`], { encoding: 'utf8' }).split('\n')
    let i = 0
    for (const n of tree.filter((t) => t.commands.length > 0)) expect(out[i++]!.split(' ').sort(), n.path).toEqual([...n.commands].sort())
    const root = tree[0]!
    for (const n of tree) {
      const expected = new Set([...n.options, ...(n.path ? root.options : [])].filter((o) => o.startsWith('--')))
      expect(new Set(out[i++]!.split(' ')), n.path).toEqual(expected)
    }
    expect(out[i++]).toBe('trust')
    expect(out[i++]).toBe('utility.key')
    expect(out[i++]).toBe('--recovery-key')
  })
})
