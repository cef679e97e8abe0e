// A name (model id, job id) put into an upstream path as one segment, escaped the way the AWS SDK
// escapes its labels (encodeURIComponent plus RFC 3986's `!'()*`): `:` becomes %3A, `/` %2F, `?`
// and `#` their escapes. A whole segment of `.` or `..` would still be a dot-segment (a templated
// model name may come from the client): its dots are escaped too, so it stays a name.
export function escapePathSegment(name: string): string {
  const out = encodeURIComponent(name).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
  return out === '.' || out === '..' ? out.replace(/\./g, '%2E') : out
}
