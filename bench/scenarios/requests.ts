/** The request each kind of target is sent for the same piece of work. */
import { anthropicMessagesBody, openaiChatBody } from '../fixtures/chat-requests.ts';
import type { RequestSpec } from './types.ts';

export const OPENAI_MODEL = 'gpt-4o-mini';
export const ANTHROPIC_MODEL = 'claude-3-5-haiku-20241022';
export const OPENAI_KEY = 'sk-bench-0123456789abcdef';
export const ANTHROPIC_KEY = 'sk-ant-bench-0123456789abcdef';

/** 5 request headers, as an SDK sends them (wrk adds Host and Content-Length). */
function sdkHeaders(extra: Record<string, string>): Record<string, string> {
  return { 'Content-Type': 'application/json', Accept: 'application/json', 'User-Agent': 'OpenAI/JS 4.77.0', ...extra };
}

/** An OpenAI chat call carrying its own key (direct, nginx, plain proxy). */
export function openaiChat(stream: boolean): RequestSpec {
  return { method: 'POST', path: '/v1/chat/completions', headers: sdkHeaders({ Authorization: `Bearer ${OPENAI_KEY}` }),
    body: openaiChatBody(stream, OPENAI_MODEL) };
}

/** An OpenAI chat call without a key, for a gateway that adds it (ai-proxy). */
export function openaiChatKeyless(stream: boolean, model = OPENAI_MODEL): RequestSpec {
  return { method: 'POST', path: '/v1/chat/completions', headers: sdkHeaders({ 'X-Client-Request-Id': 'bench-1' }),
    body: openaiChatBody(stream, model) };
}

/** The same conversation sent to Anthropic's Messages API directly. */
export function anthropicMessages(stream: boolean): RequestSpec {
  return { method: 'POST', path: '/v1/messages', headers: sdkHeaders({ 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' }),
    body: anthropicMessagesBody(stream, ANTHROPIC_MODEL) };
}

/** Portkey's gateway: OpenAI-format call, provider and upstream chosen by x-portkey-* headers. */
export function portkeyChat(provider: 'openai' | 'anthropic', mockUrl: string, stream: boolean): RequestSpec {
  const key = provider === 'openai' ? OPENAI_KEY : ANTHROPIC_KEY;
  return { method: 'POST', path: '/v1/chat/completions',
    headers: sdkHeaders({ Authorization: `Bearer ${key}`, 'x-portkey-provider': provider, 'x-portkey-custom-host': `${mockUrl}/v1` }),
    body: openaiChatBody(stream, provider === 'openai' ? OPENAI_MODEL : ANTHROPIC_MODEL) };
}
