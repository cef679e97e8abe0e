/**
 * Cloud identity on the hot path (plugins/llm/auth): what a request pays once the credential is warm.
 *   cloud-auth-azure:   ai-proxy azure with a managed identity token from the token cache (one identity call at
 *                       warm-up, then a synchronous cache hit per request), next to ai-proxy openai with a static key.
 *   cloud-auth-bedrock: ai-proxy bedrock signing every request with SigV4 over its exact body (static keys), next to
 *                       the same passthrough (route_type preserve) with a static header. The mock does not speak
 *                       Converse, so both send the client's Anthropic Messages body through unchanged: the difference
 *                       between the rows is the signature.
 * The managed identity endpoint (Azure's App Service protocol) is a tiny server in the bench process: the gateway
 * asks it once, then never again.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { aiProxy, proxyConfig } from './kong-config.ts';
import { ANTHROPIC_KEY, ANTHROPIC_MODEL, OPENAI_MODEL, anthropicMessages, openaiChat, openaiChatKeyless } from './requests.ts';
import type { Scenario } from './types.ts';

const IDENTITY_HEADER = 'bench-identity-header';

/** Answers every managed identity token request with a day-long token (MSAL reads expires_on). */
async function startManagedIdentityEndpoint(): Promise<string> {
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    if (req.headers['x-identity-header'] !== IDENTITY_HEADER) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end('{"error":"unauthorized"}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({
      access_token: 'bench-managed-identity-token',
      expires_on: String(Math.floor(Date.now() / 1000) + 24 * 3600),
      resource: u.searchParams.get('resource'),
      token_type: 'Bearer',
    }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/msi/token`;
}

const identityEndpoint = await startManagedIdentityEndpoint();

export const cloudAuthAzure: Scenario = {
  name: 'cloud-auth-azure',
  tables: [{
    name: 'cloud-auth-azure',
    title: 'ai-proxy Azure OpenAI with a cached managed identity token vs OpenAI with a static key (c=50)',
    rows: ['gateway ai-proxy openai static key', 'gateway ai-proxy azure managed identity'],
  }],
  load: { kind: 'http', connections: 50 },
  mock: { chunks: 20, gapMs: 0 },
  direct: openaiChat(false),
  gateways: [
    { label: 'gateway ai-proxy openai static key', config: (mock) => proxyConfig(mock, [aiProxy('openai', mock)]), request: openaiChatKeyless(false) },
    {
      label: 'gateway ai-proxy azure managed identity',
      config: (mock) => proxyConfig(mock, [{
        name: 'ai-proxy',
        config: {
          route_type: 'llm/v1/chat',
          auth: { azure_use_managed_identity: true },
          model: {
            provider: 'azure',
            name: OPENAI_MODEL,
            options: { azure_instance: 'bench', azure_deployment_id: OPENAI_MODEL, upstream_url: `${mock}/v1/chat/completions` },
          },
          logging: { log_statistics: true, log_payloads: false },
        },
      }]),
      request: openaiChatKeyless(false),
      env: { IDENTITY_ENDPOINT: identityEndpoint, IDENTITY_HEADER },
    },
  ],
};

const messages = anthropicMessages(false);

export const cloudAuthBedrock: Scenario = {
  name: 'cloud-auth-bedrock',
  tables: [{
    name: 'cloud-auth-bedrock',
    title: 'ai-proxy Bedrock SigV4 per request vs a static header (route_type preserve, Messages body passed through, c=50)',
    rows: ['gateway ai-proxy preserve static header', 'gateway ai-proxy bedrock sigv4'],
  }],
  load: { kind: 'http', connections: 50 },
  mock: { chunks: 20, gapMs: 0 },
  direct: messages,
  gateways: [
    {
      label: 'gateway ai-proxy preserve static header',
      config: (mock) => proxyConfig(mock, [{
        name: 'ai-proxy',
        config: {
          route_type: 'preserve',
          auth: { header_name: 'x-api-key', header_value: ANTHROPIC_KEY },
          model: { provider: 'anthropic', name: ANTHROPIC_MODEL, options: { upstream_url: `${mock}/v1/messages`, anthropic_version: '2023-06-01' } },
        },
      }]),
      request: messages,
    },
    {
      label: 'gateway ai-proxy bedrock sigv4',
      config: (mock) => proxyConfig(mock, [{
        name: 'ai-proxy',
        config: {
          route_type: 'preserve',
          // the mock only checks that x-api-key is there (the client sends it); Bedrock would check the signature
          auth: { aws_access_key_id: 'AKIDBENCHEXAMPLE', aws_secret_access_key: 'bench/secret/access/key/0123456789abcdef' },
          model: { provider: 'bedrock', name: ANTHROPIC_MODEL, options: { upstream_url: `${mock}/v1/messages`, bedrock: { aws_region: 'us-east-1' } } },
        },
      }]),
      request: messages,
    },
  ],
};

export const cloudAuth: Scenario[] = [cloudAuthAzure, cloudAuthBedrock];
