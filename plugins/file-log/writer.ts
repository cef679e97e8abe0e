// Appends lines to log files without blocking a request: one append stream per path, kept open
// (Kong keeps the fd), or opened and closed around each line when `reopen` is set (for log
// rotation that moves the file away).
import { createWriteStream, type WriteStream } from 'node:fs'
import { pluginLog } from '../../core/log.ts'

const streams = new Map<string, WriteStream>()

function open(path: string, keep: boolean): WriteStream {
  const s = createWriteStream(path, { flags: 'a', mode: 0o644 })
  s.on('error', (err) => {
    pluginLog('file-log').error({ err, path }, `failed to write log file ${path}`)
    if (streams.get(path) === s) streams.delete(path)
  })
  if (keep) streams.set(path, s)
  return s
}

export function appendLine(path: string, line: string, reopen: boolean): void {
  if (reopen) {
    const old = streams.get(path)
    if (old) { streams.delete(path); old.end() }
    open(path, false).end(line)
    return
  }
  ;(streams.get(path) ?? open(path, true)).write(line)
}

/** Closes every open log file; resolves when buffered lines are on disk. */
export function closeLogFiles(): Promise<void> {
  const all = [...streams.values()]
  streams.clear()
  return Promise.all(all.map((s) => new Promise<void>((r) => s.end(r)))).then(() => undefined)
}
