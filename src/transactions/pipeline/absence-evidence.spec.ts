import { AbsenceEvidence } from './absence-evidence';

describe('AbsenceEvidence', () => {
  it('prompts a search only after three polls that found nothing', () => {
    const evidence = new AbsenceEvidence();
    evidence.observe('b');
    evidence.observe('b');
    expect(evidence.shouldSearch('b', 10n)).toBe(false);

    evidence.observe('b');
    expect(evidence.shouldSearch('b', 10n)).toBe(true);
  });

  it('searches once per head: the same chain gives the same answer', () => {
    const evidence = new AbsenceEvidence();
    for (let i = 0; i < 3; i++) evidence.observe('b');

    expect([evidence.shouldSearch('b', 10n), evidence.shouldSearch('b', 10n), evidence.shouldSearch('b', 11n)]).toEqual([true, false, true]);
  });

  it('starts over when forgotten, and keeps only the batches still in flight', () => {
    const evidence = new AbsenceEvidence();
    for (let i = 0; i < 3; i++) evidence.observe('a');
    for (let i = 0; i < 3; i++) evidence.observe('b');
    evidence.forget('a');
    evidence.retainOnly(new Set(['a']));

    expect([evidence.shouldSearch('a', 1n), evidence.shouldSearch('b', 1n), evidence.size]).toEqual([false, false, 0]);
  });
});
