/**
 * The order of a paired measure's runs. Each round runs every pair once; within a pair both load generators start
 * together, one a few ms before the other. Which side starts first alternates from round to round (and between
 * neighbouring pairs of a round), and the pairs' order rotates, so neither a side nor a pair keeps a position: a
 * first-started wrk, or the pair that runs right after another pair, would otherwise bias one side every time.
 */
export interface PairedRun {
  /** 0-based round. */
  round: number;
  /** Index into the scenario's pairs. */
  pair: number;
  /** The side whose load generator is started first. */
  first: 'a' | 'b';
}

export function pairedSchedule(rounds: number, pairs: number): PairedRun[] {
  if (!Number.isSafeInteger(rounds) || !Number.isSafeInteger(pairs) || rounds < 0 || pairs < 0) {
    throw new RangeError(`rounds and pairs must be whole numbers ≥ 0, got ${rounds} and ${pairs}`);
  }
  const out: PairedRun[] = [];
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < pairs; k++) {
      const pair = (round + k) % pairs;
      out.push({ round, pair, first: (round + pair) % 2 === 0 ? 'a' : 'b' });
    }
  }
  return out;
}
