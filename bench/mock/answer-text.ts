/** The assistant text every mock answer carries, and its split into stream deltas. */
export const ANSWER_TEXT =
  'Here is a short summary of the incident report. The outage began at 09:14 UTC when a configuration push ' +
  'removed the health-check route from the edge proxies; traffic failed over within four minutes and the change ' +
  'was rolled back at 09:31. No data was lost. Follow-ups: add a canary stage for edge config, alert on ' +
  'health-check 404s, and document the rollback runbook. Customer impact was limited to elevated error rates on ' +
  'the public API in two regions; the status page was updated at 09:20 and closed at 09:45 after error rates returned to baseline. Root cause review is on Thursday.';

/** `count` pieces of the answer text, in order, each a few words long (they join back to the whole text). */
export function answerDeltas(count: number): string[] {
  const words = ANSWER_TEXT.split(/(?= )/);
  const n = Math.max(1, count);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const from = Math.floor((i * words.length) / n);
    const to = Math.floor(((i + 1) * words.length) / n);
    out.push(words.slice(from, to).join(''));
  }
  return out;
}
