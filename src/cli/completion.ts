import type { Command, Option } from 'commander'

/** One command of the tree as completion sees it: its path, subcommands and options. */
export interface CompletionNode {
  /** Space-joined names from the root, `''` for the program itself. */
  path: string
  commands: string[]
  /** Long (and short) flags, `--help` included. */
  options: string[]
  /** The flags among `options` that take a value (the next word is the value, completed as a file name). */
  valued: string[]
}

/** Every command of `program`'s tree, depth first, from commander's own description of it. */
export function completionTree(program: Command): CompletionNode[] {
  const out: CompletionNode[] = []
  const walk = (cmd: Command, path: string) => {
    const options = cmd.options as readonly Option[]
    const flags = (o: Option) => [o.long, o.short].filter((f): f is string => typeof f === 'string')
    out.push({
      path,
      commands: cmd.commands.map((c) => c.name()),
      options: [...options.flatMap(flags), '--help'],
      valued: options.filter((o) => o.required || o.optional).flatMap(flags),
    })
    for (const c of cmd.commands) walk(c, path ? `${path} ${c.name()}` : c.name())
  }
  walk(program, '')
  return out
}

/** Names in a generated shell function: letters, digits, `_`; the program's name made safe. */
const fn = (name: string) => `_${name.replace(/[^A-Za-z0-9]/g, '_')}`

/** A single-quoted shell word (a command name or flag; commander's names never hold a quote, but be safe). */
const word = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`

/**
 * A bash completion script for `program`, generated from its command tree: `complete -F` with a
 * function that walks the words typed so far (skipping options and the values of those that take
 * one) to the command being typed, then offers its subcommands, its options (after `-`) together
 * with the program's global ones, or file names for an option's value. `source <(grid-did completion bash)`.
 */
export function bashCompletion(program: Command): string {
  const name = program.name()
  const f = fn(name)
  const tree = completionTree(program)
  const cases = (pick: (n: CompletionNode) => string[]) =>
    tree
      .filter((n) => pick(n).length > 0)
      .map((n) => `    ${word(n.path)}) echo ${word(pick(n).join(' '))} ;;`)
      .join('\n')
  const valued = tree.flatMap((n) => n.valued.map((v) => word(`${n.path}|${v}`))).join('|')
  return `# bash completion for ${name}, generated from its commands by \`${name} completion bash\`
# Load it with: source <(${name} completion bash)   (or save it under ~/.local/share/bash-completion/completions/${name})
${f}_commands() {
  case "$1" in
${cases((n) => n.commands)}
  esac
}
${f}_options() {
  case "$1" in
${cases((n) => n.options)}
  esac
}
${f}_valued() {
  case "$1|$2" in
    ${valued || "''"}) return 0 ;;
  esac
  [ -n "$1" ] && ${f}_valued '' "$2"
}
${f}() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="" path="" i w subs
  [ "$COMP_CWORD" -gt 0 ] && prev="\${COMP_WORDS[COMP_CWORD-1]}"
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$w" in
      --) break ;;
      -*=*) ;;
      -*) ${f}_valued "$path" "$w" && ((i++)) ;;
      *) subs=" $(${f}_commands "$path") "
         [[ "$subs" == *" $w "* ]] && path="\${path:+$path }$w" ;;
    esac
  done
  if [[ "$prev" == -* ]] && ${f}_valued "$path" "$prev"; then
    COMPREPLY=($(compgen -f -- "$cur"))
  elif [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$(${f}_options "$path") $( [ -n "$path" ] && ${f}_options '')" -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$(${f}_commands "$path")" -- "$cur"))
    [ \${#COMPREPLY[@]} -eq 0 ] && COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}
complete -o filenames -F ${f} ${name}
`
}

/**
 * The same completion for zsh, through zsh's own bash-completion layer (`bashcompinit`), so the two
 * shells offer exactly the same words. `source <(grid-did completion zsh)`.
 */
export function zshCompletion(program: Command): string {
  return `# zsh completion for ${program.name()}: the bash completion through zsh's bashcompinit
autoload -U +X compinit && compinit
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(program)}`
}
