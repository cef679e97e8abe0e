// The bundled client formats (llm_format), registered when the AI plugins load.
import { registerClientFormat } from '../registry.ts'
import { openaiFormat } from './openai.ts'
import { cohereFormat } from './cohere.ts'
import { huggingfaceFormat } from './huggingface.ts'
import { anthropicFormat } from './anthropic.ts'
import { bedrockFormat } from './bedrock.ts'
import { geminiFormat } from './gemini.ts'

registerClientFormat(openaiFormat)
registerClientFormat(cohereFormat)
registerClientFormat(huggingfaceFormat)
registerClientFormat(anthropicFormat)
registerClientFormat(bedrockFormat)
registerClientFormat(geminiFormat)
