/** The message of anything thrown, for wrapping it in an error or an error result. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
