// A throwaway self-signed certificate for 127.0.0.1, made at test time with the openssl CLI (Node
// cannot mint X.509 itself). @azure/identity refuses an http authority, so the fake Entra ID
// needs it; the client trusts it through tlsOptions.ca.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

let made: { cert: string; key: string } | undefined

export function selfSignedCert(): { cert: string; key: string } {
  if (made) return made
  const dir = mkdtempSync(join(tmpdir(), 'fake-idp-tls-'))
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ], { stdio: 'ignore' })
    made = { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') }
    return made
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
