// The one builder of OpenAI stream chunks (`chat.completion.chunk`, or `text_completion` for the
// completions route) that every driver's stream conversion uses: the stream-wide fields (id,
// created, model, object) are set once per stream, each call adds one choice.
// https://platform.openai.com/docs/api-reference/chat-streaming/streaming
// Key order: the drivers' chunks were serialized with different key orders, and the bytes a client
// receives must not change, so each driver names its layout (a JSON reader sees the same object).

type Json = Record<string, unknown>

export const ChunkLayout = {
  /** id, object, created, model, choices; choice: index, delta|text, finish_reason, logprobs (Anthropic, Gemini) */
  openai: 0,
  /** as openai with system_fingerprint before choices; choice: index, delta, logprobs, finish_reason (Bedrock) */
  bedrock: 1,
  /** choices, id, model, created, object; choice: delta|text, index, finish_reason, logprobs (Cohere) */
  cohere: 2,
  /** choices, id, created, model, object; choice: delta|text, index, finish_reason (Ollama, TGI) */
  tgi: 3,
  /** id, object, model, choices (no created); choice as openai (Anthropic's legacy /v1/complete) */
  legacy: 4,
} as const
export type ChunkLayout = (typeof ChunkLayout)[keyof typeof ChunkLayout]

export type ChunkObject = 'chat.completion.chunk' | 'text_completion'

export class OpenAiChunks {
  readonly object: ChunkObject

  constructor(
    private readonly layout: ChunkLayout,
    completions: boolean,
    public id: string | null,
    public created: number,
    public model: string | null,
  ) {
    this.object = completions ? 'text_completion' : 'chat.completion.chunk'
  }

  /** A chunk with one chat choice carrying `delta`. */
  delta(delta: Json, finish: string | null, index = 0): Json {
    switch (this.layout) {
      case ChunkLayout.bedrock: return this.wrap({ index, delta, logprobs: null, finish_reason: finish })
      case ChunkLayout.cohere: return this.wrap({ delta, index, finish_reason: finish, logprobs: null })
      case ChunkLayout.tgi: return this.wrap({ delta, index, finish_reason: finish })
      default: return this.wrap({ index, delta, finish_reason: finish, logprobs: null })
    }
  }

  /** A chunk with one completion choice carrying `text`. */
  text(text: string, finish: string | null, index = 0): Json {
    switch (this.layout) {
      case ChunkLayout.cohere: return this.wrap({ text, index, finish_reason: finish, logprobs: null })
      case ChunkLayout.tgi: return this.wrap({ text, index, finish_reason: finish })
      default: return this.wrap({ index, text, finish_reason: finish, logprobs: null })
    }
  }

  private wrap(choice: Json): Json {
    const choices = [choice]
    switch (this.layout) {
      case ChunkLayout.bedrock:
        return { id: this.id, object: this.object, created: this.created, model: this.model, system_fingerprint: null, choices }
      case ChunkLayout.cohere: return { choices, id: this.id, model: this.model, created: this.created, object: this.object }
      case ChunkLayout.tgi: return { choices, id: this.id, created: this.created, model: this.model, object: this.object }
      case ChunkLayout.legacy: return { id: this.id, object: this.object, model: this.model, choices }
      default: return { id: this.id, object: this.object, created: this.created, model: this.model, choices }
    }
  }
}

/**
 * OpenAI's last chunk for `stream_options.include_usage`: `choices: []` with the usage, and the
 * stream's id, object, created and model taken from its first chunk (`head`, null when none).
 */
export function usageChunk(head: Json | null, usage: unknown, model: string | null): Json {
  const h = head ?? {}
  return {
    id: h.id ?? null,
    object: h.object ?? 'chat.completion.chunk',
    created: h.created ?? Math.floor(Date.now() / 1000),
    model: h.model ?? model,
    choices: [],
    usage,
  }
}
