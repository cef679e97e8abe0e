// The paired bench's CPU clocks: /proc/PID/task/TID/schedstat (ns) and /proc/PID/stat (ticks), from any text /proc
// could give, hostile or cut short; and the live reading of this process, whose two clocks must agree.
import { describe, expect, it } from 'vitest';
import { nsBetween, parseSchedstatNs, parseStatTicks, readCpuClocks, type CpuClocks } from '../../bench/proc/cpu-clock.ts';

// A real stat line of a node process (fields 14 and 15, utime and stime, are 1234 and 56).
const STAT = '4242 (node) S 1 4242 4242 0 -1 4194560 2961 0 0 0 1234 56 0 0 20 0 11 0 1000 1200000000 12000 18446744073709551615 1 1 0 0 0 0 0 4096 134234626 0 0 0 17 0 0 0 0 0 0 0 0 0 0 0 0 0 0\n';
const statWith = (comm: string, utime: string, stime: string): string => STAT.replace('(node)', `(${comm})`).replace(' 1234 56 ', ` ${utime} ${stime} `);

describe('parseSchedstatNs', () => {
  it.each([
    ['33751784 6829165 96\n', 33751784],
    ['0 0 1', 0],
    ['  9007199254740991 1 1  ', 9007199254740991], // 2^53 − 1: still exact
    ['33751784\t6829165\t96', 33751784],
  ])('%j → %d ns', (text, ns) => {
    expect(parseSchedstatNs(text)).toBe(ns);
  });

  it.each([
    ['', 'empty'],
    ['33751784 6829165', 'a field missing'],
    ['abc 1 2', 'not a number'],
    ['-5 1 2', 'negative'],
    ['1e9 1 2', 'exponent'],
    ['0x10 1 2', 'hex'],
    ['12.5 1 2', 'fraction'],
    ['9007199254740993 1 1', 'past 2^53'],
    ['99999999999999999999999999 1 1', 'huge'],
    ['Infinity 1 1', 'Infinity'],
    ['NaN 1 1', 'NaN'],
    ['__proto__ 1 1', 'a key name'],
    ['1'.repeat(100_000) + ' 1 1', '100,000 digits'],
    ['\u0000 1 1', 'NUL'],
  ])('%j (%s) → null', (text) => {
    expect(parseSchedstatNs(text)).toBeNull();
  });
});

describe('parseStatTicks', () => {
  it.each([
    [STAT, 1290],
    [statWith('a) 9 9 9 9 9 9 9 9 9 9 9 9 9 (b', '1234', '56'), 1290], // a command name with ')' and spaces
    [statWith('', '0', '0'), 0],
    [statWith('node', '4503599627370495', '4503599627370496'), 9007199254740991],
  ])('stat line %# → %d ticks', (text, ticks) => {
    expect(parseStatTicks(text)).toBe(ticks);
  });

  it.each([
    ['', 'empty'],
    ['4242 node S 1', 'no parentheses'],
    ['4242 (node) S 1 4242 4242 0 -1 4194560 2961 0 0 0', 'cut before utime'],
    ['4242 (node) S 1 4242 4242 0 -1 4194560 2961 0 0 0 1234', 'cut before stime'],
    [statWith('node', 'x', '56'), 'utime not a number'],
    [statWith('node', '1234', '-56'), 'stime negative'],
    [statWith('node', '99999999999999999999', '0'), 'utime huge'],
    [statWith('node', '1e3', '0'), 'exponent'],
    [statWith('node', '9007199254740991', '9007199254740991'), 'each exact, the sum past 2^53'],
  ])('%j (%s) → null', (text) => {
    expect(parseStatTicks(text)).toBeNull();
  });
});

describe('readCpuClocks', () => {
  it('reads this process: both clocks count, and agree within a tick per thread', () => {
    // burn a little CPU first so both clocks have something to show
    let x = 0;
    for (let i = 0; i < 1e8; i++) x += i % 7;
    expect(x).toBeGreaterThan(0);
    const c = readCpuClocks([process.pid]);
    const ns = [...c.threadNs.values()].reduce((a, b) => a + b, 0);
    expect(c.threadNs.size).toBeGreaterThan(1); // the main thread and V8's / libuv's
    expect(ns).toBeGreaterThan(0);
    expect(c.ticks).toBeGreaterThan(0);
    expect(c.unreadable).toBe(0);
    // ticks are 10 ms and sampled; threads that ended are in the ticks only: allow a few ticks per live thread and
    // the ended threads' share, but the two must be the same order
    const ticksNs = c.ticks * 1e7;
    expect(Math.abs(ticksNs - ns) / Math.max(ticksNs, ns)).toBeLessThan(0.5);
  });

  it('a process that does not exist counts as unreadable, not as zero CPU silently', () => {
    const c = readCpuClocks([2 ** 31 - 1]);
    expect(c).toEqual({ threadNs: new Map(), ticks: 0, unreadable: 2 });
  });
});

describe('nsBetween', () => {
  const clocks = (threads: [string, number][]): CpuClocks => ({ threadNs: new Map(threads), ticks: 0, unreadable: 0 });
  it.each([
    // before, after, ns, ended
    [[['1/1', 100], ['1/2', 50]], [['1/1', 300], ['1/2', 80]], 230, 0],
    [[['1/1', 100]], [['1/1', 300], ['1/9', 40]], 240, 0], // a thread started in between counts from 0
    [[['1/1', 100], ['1/2', 5e9]], [['1/1', 300]], 200, 1], // one that ended takes none of its past away
    [[['1/1', 100], ['1/2', 5e9]], [['1/1', 300], ['1/3', 7]], 207, 1], // its id reused by no one: ended, and a new one
    [[['1/1', 300]], [['1/1', 100]], 0, 0], // a counter that went back (a reused id): never negative
    [[], [], 0, 0],
    [[['1/1', 10]], [['2/1', 30]], 30, 1], // same tid in another process is another thread
  ] as [[string, number][], [string, number][], number, number][])('%j → %j: %d ns, %d ended', (before, after, ns, ended) => {
    expect(nsBetween(clocks(before), clocks(after))).toEqual({ ns, ended });
  });
});
