/** Unix seconds → `YYYY-MM-DDTHH:MM:SSZ` (XML Schema dateTime, UTC, whole seconds). */
export function isoSeconds(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')
}

/**
 * The latest time, Unix seconds, that renders as an XML Schema dateTime with a four-digit year:
 * 9999-12-31T23:59:59Z.
 */
export const MAX_TIME = 253_402_300_799
