// Prototype-pollution payloads as raw JSON text (JSON.parse turns `"__proto__"` into an own key,
// which is how they arrive from a client; an object literal would set the prototype instead).
// Each one, if merged unsafely anywhere, leaves these keys on Object.prototype.

/** What a successful pollution would add: a header to inject, an upstream to redirect to, an anonymous consumer. */
export const INJECTED = '{"x-injected":"yes","upstream_url":"http://127.0.0.1:9/evil","anonymous":"evil","polluted":"yes"}'
export const INJECTED_KEYS = ['x-injected', 'upstream_url', 'anonymous', 'polluted']

/** Objects that pollute when merged into a target (at the level they are merged at). */
export const POLLUTERS: Record<string, string> = {
  proto: `{"__proto__":${INJECTED}}`,
  constructorPrototype: `{"constructor":{"prototype":${INJECTED}}}`,
  prototype: `{"prototype":${INJECTED}}`,
  protoTwice: `{"__proto__":{"__proto__":${INJECTED}}}`,
}

/** `extra_body` values: at the top, under provider objects the drivers merge into, deep down. */
export const EXTRA_BODIES: Record<string, string> = {
  ...POLLUTERS,
  generationConfig: `{"generationConfig":{"__proto__":${INJECTED}}}`,
  generationConfigCtor: `{"generationConfig":{"constructor":{"prototype":${INJECTED}}}}`,
  thinkingConfig: `{"thinkingConfig":{"__proto__":${INJECTED}},"temperature":{"__proto__":${INJECTED}}}`,
  inferenceConfig: `{"inferenceConfig":{"__proto__":${INJECTED}}}`,
  options: `{"options":{"__proto__":${INJECTED}},"parameters":{"__proto__":${INJECTED}}}`,
  contents: `{"contents":{"__proto__":${INJECTED}},"messages":{"__proto__":${INJECTED}}}`,
  deep: `{"a":{"b":{"c":{"__proto__":${INJECTED}}}},"generationConfig":{"x":{"__proto__":${INJECTED}}}}`,
  modelAndProto: `{"model":"evil-model","stream":true,"__proto__":${INJECTED}}`,
}

const P = POLLUTERS.proto
const C = POLLUTERS.constructorPrototype

/** OpenAI chat bodies with the payload in messages, tools, tool calls, response_format, extra_body. */
export function openAiBodies(model: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, extra] of Object.entries(EXTRA_BODIES)) {
    out[`extra_body.${name}`] = `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"extra_body":${extra}}`
  }
  out.topLevel = `{"__proto__":${INJECTED},"constructor":{"prototype":${INJECTED}},"model":"${model}","messages":[{"role":"user","content":"hi"}]}`
  out.inMessages = `{"model":"${model}","messages":[{"role":"user","content":[{"type":"text","text":"hi","__proto__":${INJECTED}}],"__proto__":${INJECTED}},{"role":"assistant","content":"x","tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":${JSON.stringify(P)}}}]},{"role":"tool","tool_call_id":"c1","content":${JSON.stringify(C)}}]}`
  out.inTools = `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"f","parameters":${P},"__proto__":${INJECTED}}}],"tool_choice":${P}}`
  out.inResponseFormat = `{"model":"${model}","messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${P}}},"stream_options":${P}}`
  return out
}

/** Native bodies per client format (llm_format), with the payload in every object they read. */
export const FORMAT_BODIES: Record<string, Record<string, string>> = {
  anthropic: {
    top: `{"__proto__":${INJECTED},"model":"m","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}`,
    nested: `{"model":"m","max_tokens":5,"system":[{"type":"text","text":"s","__proto__":${INJECTED}}],"metadata":${P},"tool_choice":${P},"tools":[{"name":"t","input_schema":${P},"__proto__":${INJECTED}}],"messages":[{"role":"user","content":[{"type":"text","text":"hi","__proto__":${INJECTED}},{"type":"image","source":${P}},{"type":"tool_result","tool_use_id":"x","content":${C}}]},{"role":"assistant","content":[{"type":"tool_use","id":"u","name":"t","input":${P}}]}]}`,
  },
  gemini: {
    top: `{"__proto__":${INJECTED},"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`,
    generationConfig: `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"generationConfig":{"__proto__":${INJECTED},"temperature":0.5},"generation_config":${C}}`,
    nested: `{"contents":{"role":"__proto__","parts":[{"text":"hi","__proto__":${INJECTED}},{"functionCall":{"name":"__proto__","args":${P}}},{"functionResponse":{"name":"constructor","response":${P}}},{"inlineData":${P}}]},"systemInstruction":{"parts":{"text":"s","__proto__":${INJECTED}}},"tools":[{"functionDeclarations":[{"name":"f","parameters":${P}}],"__proto__":${INJECTED}}],"toolConfig":{"functionCallingConfig":${P}}}`,
  },
  bedrock: {
    top: `{"__proto__":${INJECTED},"messages":[{"role":"user","content":[{"text":"hi"}]}]}`,
    nested: `{"messages":[{"role":"constructor","content":[{"text":"hi","__proto__":${INJECTED}},{"toolUse":{"toolUseId":"u","name":"t","input":${P}}},{"toolResult":{"toolUseId":"u","content":[{"json":${P}}]}},{"image":{"format":"constructor","source":${P}}}]}],"system":[{"text":"s","__proto__":${INJECTED}}],"inferenceConfig":{"__proto__":${INJECTED},"maxTokens":5},"toolConfig":{"tools":[{"toolSpec":{"name":"t","inputSchema":{"json":${P}}}}],"__proto__":${INJECTED}}}`,
  },
  cohere: {
    v2: `{"__proto__":${INJECTED},"model":"m","messages":[{"role":"user","content":"hi","__proto__":${INJECTED}}]}`,
    v1: `{"model":"m","message":"hi","preamble":"p","chat_history":[{"role":"__proto__","message":"x"},{"role":"constructor","message":"y","__proto__":${INJECTED}}],"constructor":{"prototype":${INJECTED}}}`,
  },
  huggingface: {
    top: `{"__proto__":${INJECTED},"inputs":"hi"}`,
    parameters: `{"inputs":"hi","parameters":{"__proto__":${INJECTED},"max_new_tokens":5,"constructor":{"prototype":${INJECTED}}}}`,
  },
}
