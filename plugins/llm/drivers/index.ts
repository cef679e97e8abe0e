// The bundled provider drivers: each driver module is imported and registered here, once, when
// the AI plugins load. A third-party driver registers itself the same way (registerProvider,
// exported by `tollgate/plugin`).
//
// The order is the order of the providers' option fields in the composed `model.options` record,
// so the order config errors list them in (Kong's shared llm record, as this gateway has always
// listed it): anthropic_version, azure_*, llama2_format, mistral_format, embeddings_dimensions,
// gemini, bedrock, cohere, huggingface, dashscope, databricks.
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
registerProvider(anthropicDriver)
registerProvider(azure)
registerProvider(llama2Driver)
// mistral.ts wraps the table's mistral row for both mistral_formats: the row is not registered itself
registerProvider(mistralDriver)
registerProvider(ollamaDriver)
registerProvider(geminiDriver)
registerProvider(bedrockDriver)
registerProvider(cohereDriver)
registerProvider(huggingfaceDriver)
for (const d of openAiCompatible) if (d.id !== 'mistral') registerProvider(d)
