import type { Command } from 'commander'
import { ROLES } from '../../vc/roles.js'
import { checkRole } from '../../vc/verify.js'
import type { CommandContext } from '../context.js'
import { UsageError } from '../errors.js'
import { readJwt } from '../input.js'
import { bindingOption, nonEmpty, numberOption, roleOf } from '../options.js'
import { printable } from '../printable.js'
import { verificationContext as context } from '../verification-context.js'

/** `grid-did role check`: the role check contracts call; exit 1 when denied. */
export function registerRoleCommands(program: Command, { io, read, setExit }: CommandContext): void {
  program
    .command('role')
    .description('the role check contracts call')
    .command('check <vp>')
    .description('prints the decision; exit 0 when allowed, 1 when denied')
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--action <action>', 'e.g. response.bid')
    .requiredOption('--audience <aud>', 'the audience the presentation must name')
    .requiredOption('--challenge <nonce>', 'the challenge it must carry')
    .option('--binding <digest>', 'the digest of the terms it must be bound to (termsDigest: 0x + 64 hex)')
    .option('--on-behalf-of <did>', 'the user acted for')
    .option('--capacity-kw <n>', 'capacity of the action, kW')
    .option('--at <iso>', 'check as of this time (default now)')
    .option('--utility <did>', 'whose trust registry to use')
    .action(
      read(
        async (
          home,
          arg: string,
          o: {
            role: string
            action: string
            audience: string
            challenge: string
            binding?: string
            onBehalfOf?: string
            capacityKw?: string
            at?: string
            utility?: string
          },
        ) => {
          const binding = bindingOption(o.binding)
          // Checked here so that the messages name the flags typed, not the library's fields.
          for (const [value, flag] of [
            [o.action, '--action'],
            [o.audience, '--audience'],
            [o.challenge, '--challenge'],
          ] as const)
            nonEmpty(value, flag)
          if (o.onBehalfOf !== undefined && !o.onBehalfOf.startsWith('did:'))
            throw new UsageError(`--on-behalf-of must be a DID, got "${printable(o.onBehalfOf)}"`)
          const capacityKw = o.capacityKw === undefined ? undefined : numberOption(o.capacityKw, '--capacity-kw')
          const decision = await checkRole(
            await readJwt(arg, io),
            {
              role: roleOf(o.role),
              action: o.action,
              ...(o.onBehalfOf ? { onBehalfOf: o.onBehalfOf } : {}),
              ...(capacityKw !== undefined ? { capacityKw } : {}),
            },
            { ...(await context(home, o.at, o.utility)), audience: o.audience, challenge: o.challenge, ...(binding ? { binding } : {}) },
          )
          if (!decision.allowed) setExit(1)
          const text = decision.allowed
            ? `allowed: ${decision.subject} as ${decision.role} for ${decision.action}${decision.actingFor !== decision.subject ? ` on behalf of ${decision.actingFor}` : ''}`
            : ['denied:', ...decision.reasons.map((r) => `  ${r.code}: ${printable(r.message)}`)].join('\n')
          return { json: decision, text }
        },
      ),
    )
}
