/** Unix seconds → `YYYY-MM-DDTHH:MM:SSZ` (XML Schema dateTime, UTC, whole seconds). */
export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}
