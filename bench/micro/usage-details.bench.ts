/**
 * Attaching an OpenAI answer's details (service tier, cached tokens) to its usage, done on nearly every ai-proxy
 * request: a defineProperty of a non-enumerable symbol on a fresh object (withDetails) against a class with a
 * private field (usageWithDetails). Both stay out of spreads and JSON (spec/plugins/llm/pipeline/usage-details.test.ts).
 */
import assert from 'node:assert/strict';
import { detailsOf, openAiDetails, usageWithDetails, withDetails } from '../../plugins/llm/pipeline/usage-details.ts';
import { compare } from './measure.ts';

const raw = { prompt_tokens: 212, completion_tokens: 71, total_tokens: 283, prompt_tokens_details: { cached_tokens: 0 } };
const viaDefine = () => withDetails({ prompt_tokens: 212, completion_tokens: 71, total_tokens: 283 }, openAiDetails(raw, 'default'));
const viaClass = () => usageWithDetails(212, 71, 283, openAiDetails(raw, 'default'));

assert.equal(detailsOf(viaDefine())?.serviceTier, 'default');
assert.equal(detailsOf(viaClass())?.serviceTier, 'default');
compare('a usage with its details (tier "default")', {
  'withDetails (defineProperty)': viaDefine,
  'usageWithDetails (private field)': viaClass,
  'detailsOf, defineProperty': () => detailsOf(viaDefine()),
  'detailsOf, private field': () => detailsOf(viaClass()),
});
