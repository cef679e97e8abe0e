// The bundled auth strategies, registered most specific first: registerAuthStrategy tries them in
// this order. Header/query/body parameter auth (./header.ts) is the registry's fallback for every
// config no strategy here claims, so it is not listed. Add a strategy with one import and one
// `registerAuthStrategy(strategy)` line (import it from '../registry.ts').
import { registerAuthStrategy } from '../registry.ts'
import { awsSigV4 } from './aws-sigv4.ts'
import { azureManagedIdentity } from './azure-managed-identity.ts'
import { gcpServiceAccount } from './gcp-service-account.ts'

registerAuthStrategy(azureManagedIdentity)
registerAuthStrategy(gcpServiceAccount)
registerAuthStrategy(awsSigV4)
