import { pendingSeverity } from './pending-severity';

describe('pendingSeverity (the Python backend ladder)', () => {
  it('is nothing within the threshold, a warning past it, an error past 15 minutes and critical past 30', () => {
    expect(pendingSeverity(4.9, 5)).toBeNull();
    expect(pendingSeverity(5, 5)).toBe('warning');
    expect(pendingSeverity(14.9, 5)).toBe('warning');
    expect(pendingSeverity(15, 5)).toBe('error');
    expect(pendingSeverity(29.9, 5)).toBe('error');
    expect(pendingSeverity(30, 5)).toBe('critical');
  });

  it('starts higher up the ladder when the threshold is beyond 15 minutes', () => {
    expect(pendingSeverity(19, 20)).toBeNull();
    expect(pendingSeverity(20, 20)).toBe('error');
    expect(pendingSeverity(45, 40)).toBe('critical');
  });
});
