import type { Command } from 'commander'
import { ResourceNotFoundError } from '../../errors.js'
import { parseDid } from '../../method/did.js'
import { publishRoleSchemas, publishTrustRegistry, readTrustRegistry, schemaUrl, trustRegistryUrl } from '../../vc/resources.js'
import { ROLES, type RoleName } from '../../vc/roles.js'
import type { CommandContext } from '../context.js'
import { CliError, TrustRegistryExistsError } from '../errors.js'
import type { Home } from '../home.js'
import { openKeystore } from '../keystore.js'
import { roleOf } from '../options.js'
import { utilityOf } from '../verification-context.js'

/** `grid-did trust …`: the utility's role schemas and trust registry. */
export function registerTrustCommands(program: Command, { passphrase, read, write }: CommandContext): void {
  const trust = program.command('trust').description("the utility's role schemas and trust registry")
  trust
    .command('init')
    .description('publish the role schemas and a trust registry naming the utility for every role; remember the utility')
    .requiredOption('--utility <did>', "the utility's DID")
    .requiredOption('--key <file>', 'its update key or an assertionMethod key')
    .option('--force', 'replace an existing trust registry (drops every issuer `trust add` added)')
    .action(
      write(async (home, o: { utility: string; key: string; force?: boolean }) => {
        // Refused rather than merged: a re-run is a mistake or a deliberate reset, and a silent
        // replacement would deny every credential of the issuers `trust add` trusted.
        if (!o.force && (await hasResource(home, trustRegistryUrl(o.utility))))
          throw new TrustRegistryExistsError(trustRegistryUrl(o.utility))
        const author = { did: o.utility, signer: openKeystore(o.key, await passphrase()) }
        const schemas = await publishRoleSchemas(author, home)
        await publishTrustRegistry(author, home, {
          roles: Object.fromEntries(ROLES.map((r) => [r, { issuers: [o.utility], schema: schemas[r] }])),
          mandate: { schema: schemas.mandate },
        })
        home.setConfig({ utility: o.utility })
        return { json: { trustRegistry: trustRegistryUrl(o.utility), schemas }, text: trustRegistryUrl(o.utility) }
      }),
    )
  trust
    .command('add')
    .description('trust another issuer for a role')
    .requiredOption('--key <file>', "the utility's update key or an assertionMethod key")
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--issuer <did>', 'the issuer to trust')
    .option('--utility <did>', 'the utility (default: the one `trust init` set)')
    .action(
      write(async (home, o: { key: string; role: string; issuer: string; utility?: string }) => {
        const utility = utilityOf(home, o.utility)
        const role = roleOf(o.role)
        parseDid(o.issuer)
        const { roles, mandate } = await currentRegistry(home, utility)
        const entry = roles[role] ?? { issuers: [], schema: schemaUrl(utility, role) }
        if (!entry.issuers.includes(o.issuer)) entry.issuers.push(o.issuer)
        roles[role] = entry
        await publishTrustRegistry({ did: utility, signer: openKeystore(o.key, await passphrase()) }, home, {
          roles,
          ...(mandate ? { mandate: { schema: mandate } } : {}),
        })
        return { json: { role, issuers: entry.issuers }, text: `${role}: ${entry.issuers.join(', ')}` }
      }),
    )
  trust
    .command('list')
    .description("the utility's trust registry: the issuers trusted for each role, and the schemas")
    .option('--utility <did>', 'the utility (default: the one `trust init` set)')
    .action(
      read(async (home, o: { utility?: string }) => {
        const utility = utilityOf(home, o.utility)
        const { roles, mandate } = await currentRegistry(home, utility)
        const text = [
          ...ROLES.filter((r) => roles[r]).map((r) => `${r}: ${roles[r]!.issuers.join(', ') || '(no issuer)'}`),
          ...(mandate ? [`mandate schema: ${mandate}`] : []),
        ]
        const json = { trustRegistry: trustRegistryUrl(utility), roles, ...(mandate ? { mandate: { schema: mandate } } : {}) }
        return { json, text: text.join('\n') }
      }),
    )
  trust
    .command('remove')
    .description('stop trusting an issuer for a role (anchors a new trust registry version)')
    .requiredOption('--key <file>', "the utility's update key or an assertionMethod key")
    .requiredOption('--role <role>', ROLES.join(' | '))
    .requiredOption('--issuer <did>', 'the issuer to stop trusting')
    .option('--utility <did>', 'the utility (default: the one `trust init` set)')
    .action(
      write(async (home, o: { key: string; role: string; issuer: string; utility?: string }) => {
        const utility = utilityOf(home, o.utility)
        const role = roleOf(o.role)
        parseDid(o.issuer)
        const { roles, mandate } = await currentRegistry(home, utility)
        const entry = roles[role]
        // Nothing to change is refused, not anchored as a new identical version.
        if (!entry?.issuers.includes(o.issuer))
          throw new CliError(`${o.issuer} is not trusted for ${role} by ${utility}; nothing was anchored`)
        entry.issuers = entry.issuers.filter((i) => i !== o.issuer)
        await publishTrustRegistry({ did: utility, signer: openKeystore(o.key, await passphrase()) }, home, {
          roles,
          ...(mandate ? { mandate: { schema: mandate } } : {}),
        })
        return { json: { role, issuers: entry.issuers }, text: `${role}: ${entry.issuers.join(', ') || '(no issuer)'}` }
      }),
    )
}

/** The utility's current trust registry, as the roles and mandate schema to publish again. */
async function currentRegistry(
  home: Home,
  utility: string,
): Promise<{ roles: Partial<Record<RoleName, { issuers: string[]; schema: string }>>; mandate: string | undefined }> {
  const { version } = await home.resolver.resolveResource(trustRegistryUrl(utility))
  const current = readTrustRegistry(version.content)
  if (typeof current === 'string') throw new CliError(`the trust registry is unusable: ${current}`)
  const roles = Object.fromEntries(
    ROLES.filter((r) => current.schemas.has(r)).map((r) => [
      r,
      { issuers: [...(current.issuers.get(r) ?? [])], schema: current.schemas.get(r)! },
    ]),
  )
  return { roles, mandate: current.schemas.get('mandate') }
}

/** Whether the resource at `url` has a version; an outage or a damaged store throws, never "no". */
async function hasResource(home: Home, url: string): Promise<boolean> {
  try {
    await home.resolver.resolveResource(url)
    return true
  } catch (err) {
    if (err instanceof ResourceNotFoundError) return false
    throw err
  }
}
