import { RecentIds } from './recent-ids';

describe('RecentIds', () => {
  it('keeps at most its limit, forgetting the oldest first', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('c');

    expect([ids.has('a'), ids.has('b'), ids.has('c'), ids.size]).toEqual([false, true, true, 2]);
  });

  it('counts a re-added id as new', () => {
    const ids = new RecentIds(2);
    ids.add('a');
    ids.add('b');
    ids.add('a');
    ids.add('c');

    expect([ids.has('a'), ids.has('b'), ids.has('c')]).toEqual([true, false, true]);
  });
});
