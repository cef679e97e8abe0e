// Kong's 02-openai_integration_spec on Kong's own fixtures (KONG_AI_FIXTURES/openai).
import { openAiIntegrationSuite } from '../../plugins/ai-proxy/openai-integration-suite.ts'
import { KONG_FIXTURES } from '../kong-fixtures.ts'

openAiIntegrationSuite("Kong's 02-openai integration spec (ai-proxy, provider openai)", {
  dir: `${KONG_FIXTURES}openai`,
  chat: { id: 'chatcmpl-8T6YwgvjQVVnGbJ2w8hpOA17SeNy2', model: 'gpt-3.5-turbo-0613', content: 'The sum of 1 + 1 is 2.', question: 'What is 1 + 1?' },
  completion: { id: 'cmpl-8TBeaJVQIhE9kHEJbk1RnKzgFxIqN', model: 'gpt-3.5-turbo-instruct', text: '\n\nI am a language model AI created by OpenAI. I can answer questions' },
  usage: { prompt_tokens: 25, completion_tokens: 12, total_tokens: 37, cost: 0.00037 },
  ownModel: 'try-to-override-the-model',
  embeddings: { input: 'The food was delicious and the waiter', answerModel: 'text-embedding-3-large' },
})
