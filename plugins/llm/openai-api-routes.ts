// Kong 3.11's OpenAI API route types other than chat, completions and embeddings (files, batches,
// assistants, responses, audio, images): the OpenAI family serves them as a passthrough to the
// same API (Kong 3.11's ai-proxy route types). Each names the API resource it proxies; the
// client's path after that resource (an id, `/content`, `/cancel`) is kept, so the REST calls of
// one route type (create, list, retrieve, delete) all reach the right upstream path.
// https://platform.openai.com/docs/api-reference (files, batch, assistants, responses, audio, images,
// videos: Kong 3.13)
import type { OpenAiApiRoute, RouteType } from './types.ts'

/** Route type → the API resource it proxies (OpenAI: `/v1/<resource>`). */
export const OPENAI_API_ROUTES: ReadonlyMap<OpenAiApiRoute, string> = new Map<OpenAiApiRoute, string>([
  ['llm/v1/responses', 'responses'],
  ['llm/v1/files', 'files'],
  ['llm/v1/batches', 'batches'],
  ['llm/v1/assistants', 'assistants'],
  ['audio/v1/audio/speech', 'audio/speech'],
  ['audio/v1/audio/transcriptions', 'audio/transcriptions'],
  ['audio/v1/audio/translations', 'audio/translations'],
  ['image/v1/images/generations', 'images/generations'],
  ['image/v1/images/edits', 'images/edits'],
  // a WebSocket session, not a REST call: the upgrade goes to `/v1/realtime?model=` (core/server/websocket-proxy.ts)
  ['realtime/v1/realtime', 'realtime'],
  ['video/v1/videos/generations', 'videos'],
])

/**
 * The route types whose requests are multipart uploads (a file, an audio clip, an image to edit),
 * and preserve, which proxies anything. Only these leave a multipart/form-data body unparsed:
 * elsewhere the body is what the prompt and model checks read, and a client-chosen content type
 * must not turn them off.
 */
export const MULTIPART_ROUTES: ReadonlySet<RouteType> = new Set<RouteType>([
  'preserve', 'llm/v1/files', 'audio/v1/audio/transcriptions', 'audio/v1/audio/translations', 'image/v1/images/edits',
  // the OpenAI SDK's videos.create is a multipart form (an optional reference image)
  'video/v1/videos/generations',
])

export function isOpenAiApiRoute(route: RouteType): route is OpenAiApiRoute {
  return OPENAI_API_ROUTES.has(route as OpenAiApiRoute)
}

/**
 * What follows the resource in the client's path (`/file-abc/content` of
 * `/ai/v1/files/file-abc/content`), or ''. The last whole-segment match counts: the route's own
 * prefix may carry the resource's name too (`/files/files/file-abc`).
 */
export function resourceSuffix(resource: string, clientPath: string): string {
  const marker = `/${resource}`
  let at = clientPath.lastIndexOf(marker)
  while (at >= 0) {
    const end = at + marker.length
    if (end === clientPath.length || clientPath.charCodeAt(end) === 0x2f) return clientPath.slice(end)
    at = at === 0 ? -1 : clientPath.lastIndexOf(marker, at - 1)
  }
  return ''
}
