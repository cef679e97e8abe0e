// The bundled provider drivers: each driver module is imported and registered here, once, when
// the AI plugins load. A third-party driver registers itself the same way (registerProvider).
import { registerProvider } from '../registry.ts'
import { openai } from './openai.ts'
import { azure } from './azure.ts'
import { openAiCompatible } from './openai-compatible.ts'
import { cohereDriver } from './cohere.ts'
import { huggingfaceDriver } from './huggingface.ts'
import { llama2Driver } from './llama2.ts'
import { mistralDriver } from './mistral.ts'
import { ollamaDriver } from './ollama.ts'
import { anthropicDriver } from './anthropic.ts'
import { bedrockDriver } from './bedrock.ts'
import { geminiDriver } from './gemini.ts'

registerProvider(openai)
registerProvider(azure)
for (const d of openAiCompatible) registerProvider(d)
// after the OpenAI-compatible table: mistral dispatches on mistral_format, ollama speaks its own API
registerProvider(cohereDriver)
registerProvider(huggingfaceDriver)
registerProvider(llama2Driver)
registerProvider(mistralDriver)
registerProvider(ollamaDriver)
registerProvider(anthropicDriver)
registerProvider(bedrockDriver)
registerProvider(geminiDriver)
