// Kong's 02-openai_integration_spec cases on the project's own fixtures (spec/fixtures/ai-proxy/openai,
// written for these cases in the shapes OpenAI answers and Kong's mock serves).
import { fileURLToPath } from 'node:url'
import { openAiIntegrationSuite } from './openai-integration-suite.ts'

openAiIntegrationSuite('ai-proxy openai: the 02-openai integration cases', {
  dir: fileURLToPath(new URL('../../fixtures/ai-proxy/openai', import.meta.url)),
  chat: { id: 'chatcmpl-tollgate0001chatgood', model: 'gpt-3.5-turbo-0125', content: 'Red, yellow and blue.', question: 'Name the three primary colours.' },
  completion: { id: 'cmpl-tollgate0001completionsgood', model: 'gpt-3.5-turbo-instruct', text: '\n\nA gateway sits between clients and the services they call.' },
  usage: { prompt_tokens: 21, completion_tokens: 6, total_tokens: 27, cost: 0.00027 },
  ownModel: 'my-own-model',
  embeddings: { input: 'A quiet street after the rain', answerModel: 'text-embedding-3-small' },
})
