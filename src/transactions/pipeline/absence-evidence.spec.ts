import { AbsenceEvidence } from './absence-evidence';

describe('AbsenceEvidence', () => {
  it('prompts a search only after three polls that found nothing, spanning two blocks', () => {
    const evidence = new AbsenceEvidence();
    evidence.observe('b', 10n);
    evidence.observe('b', 10n);
    evidence.observe('b', 11n);
    expect(evidence.shouldSearch('b', 11n)).toBe(false);

    evidence.observe('b', 12n);
    expect(evidence.shouldSearch('b', 12n)).toBe(true);
  });

  it('never on polls at one head, however many: a node indexing a block catches up within it', () => {
    const evidence = new AbsenceEvidence();
    for (let i = 0; i < 10; i++) evidence.observe('b', 10n);

    expect(evidence.shouldSearch('b', 10n)).toBe(false);
  });

  it('searches once per head: the same chain gives the same answer', () => {
    const evidence = new AbsenceEvidence();
    for (const head of [1n, 2n, 3n]) evidence.observe('b', head);

    expect([evidence.shouldSearch('b', 3n), evidence.shouldSearch('b', 3n), evidence.shouldSearch('b', 4n)]).toEqual([true, false, true]);
  });

  it('starts over when forgotten, and keeps only the batches still in flight', () => {
    const evidence = new AbsenceEvidence();
    for (const head of [1n, 2n, 3n]) evidence.observe('a', head);
    for (const head of [1n, 2n, 3n]) evidence.observe('b', head);
    evidence.forget('a');
    evidence.retainOnly(new Set(['a']));

    expect([evidence.shouldSearch('a', 3n), evidence.shouldSearch('b', 3n), evidence.size]).toEqual([false, false, 0]);
  });
});
