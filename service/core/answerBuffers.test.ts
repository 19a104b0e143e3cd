import { answerBuffer, answerMemoryLent, wipeAnswer } from './answerBuffers.js';

const MIB = 1024 * 1024;

describe('answer buffers', () => {
  it('reuses the memory of a wiped answer, zeroed', () => {
    const first = answerBuffer(MIB - 1);
    first.fill(0xab);
    wipeAnswer(first);
    expect(first.every((byte) => byte === 0)).toBe(true);
    const second = answerBuffer(MIB - 7);
    expect(second.buffer).toBe(first.buffer);
    expect(second.length).toBe(MIB - 7);
    wipeAnswer(second);
  });

  it('never lends the same memory to two answers', () => {
    const a = answerBuffer(MIB);
    const b = answerBuffer(MIB);
    expect(b.buffer).not.toBe(a.buffer);
    wipeAnswer(a);
    wipeAnswer(a); // a second wipe must not list the memory twice
    const c = answerBuffer(MIB);
    const d = answerBuffer(MIB);
    expect(c.buffer).toBe(a.buffer);
    expect(d.buffer).not.toBe(c.buffer);
    for (const bytes of [b, c, d]) wipeAnswer(bytes);
  });

  it('leaves small answers to Node and still wipes them', () => {
    const small = answerBuffer(32);
    small.fill(1);
    wipeAnswer(small);
    expect(small.every((byte) => byte === 0)).toBe(true);
  });

  it('counts memory lent until it is wiped, once', () => {
    const before = answerMemoryLent();
    const answer = answerBuffer(MIB - 3);
    expect(answerMemoryLent()).toBe(before + MIB);
    wipeAnswer(answer);
    wipeAnswer(answer);
    expect(answerMemoryLent()).toBe(before);
  });
});
