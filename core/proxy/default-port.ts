// HTTP's default ports, in one place: a URL without a port gets its scheme's, and a Host header
// (or a signed host, or a URL shown in a message) leaves the port out when it is the default.
export function defaultPort(scheme: 'http' | 'https'): number {
  return scheme === 'https' ? 443 : 80
}

export function isDefaultPort(scheme: string, port: number): boolean {
  return (scheme === 'https' && port === 443) || (scheme === 'http' && port === 80)
}
