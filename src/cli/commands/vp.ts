import type { Command } from 'commander'
import { createPresentation, MAX_CREDENTIALS } from '../../vc/issue.js'
import type { CommandContext } from '../context.js'
import { UsageError } from '../errors.js'
import { readJwt } from '../input.js'
import { openKeystore } from '../keystore.js'
import { bindingOption, collect, nonEmpty } from '../options.js'
import { signerFor } from '../signer.js'

/** `grid-did vp create`: a holder's presentation. */
export function registerVpCommands(program: Command, { io, passphrase, read }: CommandContext): void {
  program
    .command('vp')
    .description('presentations')
    .command('create')
    .description("a holder's presentation bound to an audience and a challenge; prints the JWT")
    .requiredOption('--holder <did>', "the holder's DID")
    .requiredOption('--key <file>', 'an authentication key of the holder')
    .requiredOption('--credential <jwt>', 'a credential JWT, @file or - (repeatable)', collect, [] as string[])
    .requiredOption('--audience <aud>', 'the contract or service')
    .requiredOption('--challenge <nonce>', "the verifier's challenge")
    .option('--binding <digest>', 'the digest of the terms it authorises (termsDigest: 0x + 64 hex)')
    .action(
      read(
        async (home, o: { holder: string; key: string; credential: string[]; audience: string; challenge: string; binding?: string }) => {
          const binding = bindingOption(o.binding)
          // Checked here so that the message names the flags typed, not the API's fields.
          if (o.credential.length > MAX_CREDENTIALS)
            throw new UsageError(`--credential: a presentation carries at most ${MAX_CREDENTIALS} credentials, got ${o.credential.length}`)
          nonEmpty(o.audience, '--audience')
          nonEmpty(o.challenge, '--challenge')
          const holder = await signerFor(home, o.holder, openKeystore(o.key, await passphrase()), 'authentication')
          const credentials = await Promise.all(o.credential.map((c) => readJwt(c, io)))
          const jwt = await createPresentation({
            holder,
            credentials,
            audience: o.audience,
            challenge: o.challenge,
            ...(binding ? { binding } : {}),
          })
          return { json: { jwt }, text: jwt }
        },
      ),
    )
}
