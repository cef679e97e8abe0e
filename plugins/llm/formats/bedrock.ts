// `llm_format: bedrock`: AWS SDK clients (ConverseCommand, ConverseStreamCommand, boto3 converse)
// talk Converse through the gateway. Model and stream come from the path
// `/model/{modelId}/converse|converse-stream`. With provider bedrock the body goes upstream
// unchanged and the answer comes back unchanged; the OpenAI-shaped copy serves checks and analytics.
// https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
import type { ClientFormat } from '../types.ts'
import { usageOf } from '../drivers/bedrock/decode-response.ts'
import { parseConverse } from './bedrock/parse-request.ts'
import { createConverseStreamEncoder, toConverseAnswer } from './bedrock/encode-response.ts'
import { BEDROCK_BATCH_PATH } from '../drivers/native-batches.ts'

export const bedrockFormat: ClientFormat = {
  id: 'bedrock',
  nativeFor: (provider) => provider === 'bedrock',
  parseRequest(body, path) {
    const parsed = parseConverse(body, path)
    // a batch job names its model in the body: the configured model's check applies to it
    const modelId = BEDROCK_BATCH_PATH.test(path) && body !== null && typeof body === 'object' ? (body as { modelId?: unknown }).modelId : undefined
    return typeof modelId === 'string' ? { ...parsed, model: modelId } : parsed
  },
  encodeResponse: (openai) => toConverseAnswer(openai),
  streamEncoder: () => createConverseStreamEncoder(),
  // Bedrock names no model in its answer: the pipeline keeps the request's
  usageOf: (body) => ({ usage: usageOf((body as { usage?: never } | null)?.usage), model: null }),
  // the batch inference jobs carry no prompt (their records are in S3)
  promptless: (path) => BEDROCK_BATCH_PATH.test(path),
}
