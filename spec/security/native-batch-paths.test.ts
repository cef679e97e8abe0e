// Native clients' batch calls (llm_format gemini, bedrock) are matched against the providers'
// batch API tables on the normalized path: only those operations with their methods leave, with
// ids of the provider's shape, and the upstream path is rebuilt from the configured model and
// Vertex coordinates. Every other path or method is refused before anything is sent.
import { describe, expect, it } from 'vitest'
import { geminiDriver } from '../../plugins/llm/drivers/gemini.ts'
import { bedrockDriver } from '../../plugins/llm/drivers/bedrock.ts'
import { geminiFormat } from '../../plugins/llm/formats/gemini.ts'
import { bedrockFormat } from '../../plugins/llm/formats/bedrock.ts'
import { nativePathFor, type NativePathRow } from '../helpers/native-path.ts'
import type { LlmFormat, ModelOptions, ProviderDriver } from '../../plugins/llm/types.ts'

const VERTEX: ModelOptions = { gemini: { api_endpoint: 'vertex.example', project_id: 'p1', location_id: 'l1' } }

const pathFor = (driver: ProviderDriver, format: LlmFormat, method: string, raw: string, options: ModelOptions): string | number =>
  nativePathFor(driver, format, method, raw, options, 'm1')

type Row = NativePathRow

const STUDIO: Row[] = [
  ['POST', '/g/v1beta/models/m1:batchGenerateContent', '/v1beta/models/m1:batchGenerateContent'],
  ['GET', '/g/v1beta/batches', '/v1beta/batches'],
  ['GET', '/g/v1beta/batches/b123', '/v1beta/batches/b123'],
  ['DELETE', '/g/v1beta/batches/b123', '/v1beta/batches/b123'],
  ['POST', '/g/v1beta/batches/b123:cancel', '/v1beta/batches/b123:cancel'],
  ['GET', '/g/v1beta/models/m1:batchGenerateContent', 405],
  ['PUT', '/g/v1beta/batches/b123', 405],
  ['POST', '/g/v1beta/batches/b123', 405],
  ['GET', '/g/v1beta/batches/b123:cancel', 405],
  ['POST', '/g/v1beta/batches/b123:delete', 404],
  ['GET', '/g/v1beta/batches/b%2F..%2F..%2Fmodels', 404],
  ['GET', '/g/v1beta/batches/b123%3Fkey%3Dx', 404],
  ['GET', '/g/v1beta/batches/..', 405], // normalized to /g/v1beta: not a batch path, a POST-only native call
  ['GET', '/g/v1beta/batches/%2e%2e/files', 405],
  ['GET', '/g/v1beta/batches/b.json', 404],
  ['GET', '/g/v1beta/batchPredictionJobs', 404],
  ['GET', `/g/v1beta/batches/${'a'.repeat(400)}`, 404],
]

const ON_VERTEX: Row[] = [
  ['POST', '/v/v1/projects/p1/locations/l1/batchPredictionJobs', '/v1/projects/p1/locations/l1/batchPredictionJobs'],
  ['POST', '/v/v1/projects/other/locations/x/batchPredictionJobs', '/v1/projects/p1/locations/l1/batchPredictionJobs'],
  ['GET', '/v/v1/projects/p1/locations/l1/batchPredictionJobs', '/v1/projects/p1/locations/l1/batchPredictionJobs'],
  ['GET', '/v/batchPredictionJobs/987', '/v1/projects/p1/locations/l1/batchPredictionJobs/987'],
  ['DELETE', '/v/batchPredictionJobs/987', '/v1/projects/p1/locations/l1/batchPredictionJobs/987'],
  ['POST', '/v/batchPredictionJobs/987:cancel', '/v1/projects/p1/locations/l1/batchPredictionJobs/987:cancel'],
  ['PATCH', '/v/batchPredictionJobs/987', 405],
  ['GET', '/v/batchPredictionJobs/987%2F..%2F..', 404],
  ['GET', '/v/batchPredictionJobs/987:pause', 404],
  ['GET', '/v/v1beta/batches', 404],
]

const BEDROCK: Row[] = [
  ['POST', '/b/model-invocation-job', '/model-invocation-job'],
  ['GET', '/b/model-invocation-jobs', '/model-invocation-jobs'],
  ['GET', '/b/model-invocation-job/abcd1234efgh', '/model-invocation-job/abcd1234efgh'],
  ['GET', '/b/model-invocation-job/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Amodel-invocation-job%2Fabcd1234efgh',
    '/model-invocation-job/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Amodel-invocation-job%2Fabcd1234efgh'],
  ['POST', '/b/model-invocation-job/abcd1234efgh/stop', '/model-invocation-job/abcd1234efgh/stop'],
  ['DELETE', '/b/model-invocation-job/abcd1234efgh', 405],
  ['GET', '/b/model-invocation-job', 405],
  ['POST', '/b/model-invocation-jobs', 405],
  ['GET', '/b/model-invocation-job/ABCD', 404],
  ['GET', '/b/model-invocation-job/abcd1234efgh%2F..%2F..%2Fguardrails', 404],
  ['GET', '/b/model-invocation-job/arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fabcd1234efgh', 404],
  // not a batch path: an ordinary native call, which a native bedrock client sends to Converse of the configured model
  ['POST', '/b/model-invocation-job/abcd1234efgh/start', '/model/m1/converse'],
  ['GET', '/b/model-invocation-job/../../custom-models', 405],
]

describe('native batch tables', () => {
  it.each(STUDIO)('gemini (AI Studio) %s %s → %s', (method, raw, expected) => {
    expect(pathFor(geminiDriver, 'gemini', method, raw, {})).toBe(expected)
  })
  it.each(ON_VERTEX)('gemini (Vertex) %s %s → %s', (method, raw, expected) => {
    expect(pathFor(geminiDriver, 'gemini', method, raw, VERTEX)).toBe(expected)
  })
  it.each(BEDROCK)('bedrock %s %s → %s', (method, raw, expected) => {
    expect(pathFor(bedrockDriver, 'bedrock', method, raw, { bedrock: { aws_region: 'us-east-1' } })).toBe(expected)
  })
})

describe('the formats read a batch job body model for the model check; prototype keys read nothing', () => {
  it.each([
    [{ modelId: 'x.y' }, 'x.y'], [{ modelId: 42 }, null], [JSON.parse('{"__proto__":{"modelId":"evil"}}'), null], [JSON.parse('{"constructor":{"modelId":"evil"}}'), null], [null, null],
  ])('bedrock body %j → model %s', (body, model) => {
    expect(bedrockFormat.parseRequest(body, '/b/model-invocation-job').model).toBe(model)
  })
  it.each([
    [{ model: 'publishers/google/models/g1' }, 'g1'], [{ model: 'g2' }, 'g2'], [{ model: ['g'] }, null], [JSON.parse('{"__proto__":{"model":"evil"}}'), null],
  ])('vertex body %j → model %s', (body, model) => {
    expect(geminiFormat.parseRequest(body, '/v/batchPredictionJobs').model).toBe(model)
  })
  it.each([['/g/v1beta/batches', true], ['/g/v1beta/batches/b1:cancel', true], ['/g/v1beta/models/m:generateContent', false], ['/g/v1beta/models/m:batchGenerateContent', true]])(
    'gemini %s is promptless: %s', (path, expected) => {
      expect(geminiFormat.promptless!(path, 'POST')).toBe(expected)
    })
})
