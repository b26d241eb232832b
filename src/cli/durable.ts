import { closeSync, fsyncSync, linkSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Writes `path` so that it is, after a crash at any point, either absent, its old content, or all of
 * `data`: never empty or cut short. The bytes go to a temporary file in the same directory, which is
 * fsynced before it takes the name (a rename of an unsynced file can leave a 0-byte file after a
 * power cut). `mode` applies to the new file whatever the old one had. With `exclusive`, an existing
 * `path` is an `EEXIST` error and is left alone (the name is taken with link(2), atomically).
 *
 * The directory entry itself is durable only once the directory is fsynced ({@link syncDir}); a
 * caller writing many files syncs the directory once, at the end.
 */
export function writeFileDurable(path: string, data: string | Uint8Array, options: { mode?: number; exclusive?: boolean } = {}): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`)
  const fd = openSync(tmp, 'wx', options.mode ?? 0o666)
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at, bytes.length - at)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
  closeSync(fd)
  try {
    if (options.exclusive) linkSync(tmp, path)
    else renameSync(tmp, path)
  } finally {
    rmSync(tmp, { force: true })
  }
}

/** Makes the entries of `dir` (files created, renamed or removed in it) durable. */
export function syncDir(dir: string): void {
  let fd: number
  try {
    fd = openSync(dir, 'r')
  } catch {
    return // a platform that cannot open a directory (Windows) has no directory fsync either
  }
  try {
    fsyncSync(fd)
  } catch (err) {
    // Some file systems refuse fsync on a directory; the data of each file was already synced.
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL' && (err as NodeJS.ErrnoException).code !== 'EISDIR') throw err
  } finally {
    closeSync(fd)
  }
}
