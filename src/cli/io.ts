/** Where a command writes: stdout for results, stderr for progress and errors. */
export interface Io {
  stdout: (text: string) => void
  stderr: (text: string) => void
  /** Whether stderr is an interactive terminal (progress bars, prompts). */
  interactive: boolean
  readStdin: () => Promise<string>
}

/** The process's own streams. */
export const nodeIo: Io = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  interactive: process.stderr.isTTY === true,
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const c of process.stdin) chunks.push(c as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
}
