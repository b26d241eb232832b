import type { Command } from 'commander'
import { parseDidUrl } from '../../method/did.js'
import type { CommandContext } from '../context.js'
import { CliError } from '../errors.js'

/** `grid-did resolve`: a DID Resolution (or DID URL dereferencing) result. */
export function registerResolveCommand(program: Command, { read }: CommandContext): void {
  program
    .command('resolve <did-url>')
    .description('DID Resolution result (or dereferencing result for a DID URL)')
    .option('--version-id <n>', 'a past version')
    .option('--version-time <iso>', 'the version current at this time')
    .action(
      read(async (home, didUrl: string, o: { versionId?: string; versionTime?: string }) => {
        const options = { ...(o.versionId ? { versionId: o.versionId } : {}), ...(o.versionTime ? { versionTime: o.versionTime } : {}) }
        const parsed = parseDidUrl(didUrl)
        const isDid = parsed.path === undefined && parsed.fragment === undefined && parsed.params?.service === undefined
        const result = isDid ? await home.resolver.resolve(didUrl, options) : await home.resolver.dereference(didUrl, options)
        const meta = 'didResolutionMetadata' in result ? result.didResolutionMetadata : result.dereferencingMetadata
        if (meta.error) throw new CliError(`${meta.error}: ${String(meta.message ?? '')}`)
        return { json: result, text: JSON.stringify(result, null, 2) }
      }),
    )
}
