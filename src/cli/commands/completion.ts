import type { Command } from 'commander'
import { bashCompletion, zshCompletion } from '../completion.js'
import type { CommandContext } from '../context.js'
import { UsageError } from '../errors.js'

/** `grid-did completion bash|zsh`: a shell completion script generated from the command tree. */
export function registerCompletionCommand(program: Command, { io }: CommandContext): void {
  program
    .command('completion <shell>')
    .description('print a completion script for bash or zsh, from the commands themselves: source <(grid-did completion bash)')
    .action((shell: string) => {
      if (shell !== 'bash' && shell !== 'zsh') throw new UsageError(`the shell must be bash or zsh, got "${shell}"`)
      io.stdout(shell === 'bash' ? bashCompletion(program) : zshCompletion(program))
    })
}
