import type { Command } from 'commander'
import { createContext } from '../context.js'
import type { Io } from '../io.js'
import { registerAttestCommands } from './attest.js'
import { registerChainCommand } from './chain.js'
import { registerCompletionCommand } from './completion.js'
import { registerDidCommands } from './did.js'
import { registerGateCommands } from './gate.js'
import { registerKeyCommands } from './key.js'
import { registerLedgerCommands } from './ledger.js'
import { registerResolveCommand } from './resolve.js'
import { registerRoleCommands } from './role.js'
import { registerServeCommand } from './serve.js'
import { registerTrustCommands } from './trust.js'
import { registerVcCommands } from './vc.js'
import { registerVpCommands } from './vp.js'

/** Registers every command on `program`. `setExit` records a non-error exit code (denied = 1). */
export function registerCommands(program: Command, io: Io, setExit: (code: number) => void): void {
  const ctx = createContext(program, io, setExit)
  // In this order in `grid-did --help`.
  registerKeyCommands(program, ctx)
  registerDidCommands(program, ctx)
  registerResolveCommand(program, ctx)
  registerTrustCommands(program, ctx)
  registerVcCommands(program, ctx)
  registerVpCommands(program, ctx)
  registerRoleCommands(program, ctx)
  registerLedgerCommands(program, ctx)
  registerChainCommand(program, ctx)
  registerGateCommands(program, ctx)
  registerAttestCommands(program, ctx)
  registerServeCommand(program, ctx)
  // Last: it describes every command registered before it.
  registerCompletionCommand(program, ctx)
}
