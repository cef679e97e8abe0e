/**
 * Reading `usage` from a non-streamed OpenAI answer (what ai-proxy's log_statistics needs on every request):
 * a full JSON.parse of the 1,388 B answer against parsing only the `usage` object found from the end.
 */
import assert from 'node:assert/strict';
import { OPENAI_CHAT_JSON } from '../mock/openai-answers.ts';
import { compare } from './measure.ts';

const text = OPENAI_CHAT_JSON.toString();

function fullParse(s: string): unknown {
  return JSON.parse(s).usage;
}

/** The last top-level-looking `"usage":` object, cut out by brace counting (usage holds no strings with braces). */
function tailParse(s: string): unknown {
  const at = s.lastIndexOf('"usage"');
  if (at < 0) return undefined;
  const open = s.indexOf('{', at);
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x7b) depth++;
    else if (c === 0x7d && --depth === 0) return JSON.parse(s.slice(open, i + 1));
  }
  return undefined;
}

assert.deepEqual(tailParse(text), fullParse(text));
compare(`usage from a ${OPENAI_CHAT_JSON.length} B chat completion`, {
  'JSON.parse(answer).usage': () => fullParse(text),
  'lastIndexOf + parse usage only': () => tailParse(text),
  'Buffer → string + JSON.parse': () => JSON.parse(OPENAI_CHAT_JSON.toString()).usage,
});
