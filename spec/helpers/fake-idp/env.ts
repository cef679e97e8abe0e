// Keeps the host's cloud settings out of a test process: the SDKs read AZURE_*, IDENTITY_*, MSI_*,
// GOOGLE_*, GCE_*, GCP_* and AWS_* variables, ~/.aws and ~/.config/gcloud. Call before the first
// SDK use; the SDKs keep process-wide state, so each file that needs them runs in its own fork.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const CLOUD_ENV = /^(AZURE_|IDENTITY_|MSI_|IMDS_|GOOGLE_|GCE_|GCP_|GCLOUD_|CLOUDSDK_|METADATA_SERVER_|AWS_)/

export function isolateCloudEnv(): void {
  for (const k of Object.keys(process.env)) if (CLOUD_ENV.test(k)) delete process.env[k]
  const home = mkdtempSync(join(tmpdir(), 'fake-idp-home-'))
  const empty = join(home, 'empty')
  writeFileSync(empty, '')
  process.env.HOME = home
  process.env.AWS_CONFIG_FILE = empty
  process.env.AWS_SHARED_CREDENTIALS_FILE = empty
  process.env.AWS_EC2_METADATA_DISABLED = 'true'
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'
}
