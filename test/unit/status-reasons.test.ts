import { describe, expect, it } from 'vitest';
import { MAX_REASONS, type StatusReason } from '../../functions/domain/status.ts';
import { withReasonAdded, withReasonPatched } from '../../functions/domain/status-reasons.ts';

const reason = (id: string, name = id, retired = false): StatusReason => ({ id, name, needsApproval: false, retired });
const fifty = Array.from({ length: MAX_REASONS }, (_, i) => reason(`r${i}`));

describe('the reason rules (at most 50 active, unique active names)', () => {
  it('adds a reason; a 51st active one is 409 TOO_MANY_REASONS, retired ones do not count', () => {
    expect(withReasonAdded([reason('a')], reason('b')).map((r) => r.id)).toEqual(['a', 'b']);
    expect(() => withReasonAdded(fifty, reason('x'))).toThrow(expect.objectContaining({ code: 'TOO_MANY_REASONS' }));
    const oneRetired = fifty.map((r, i) => (i === 0 ? { ...r, retired: true } : r));
    expect(withReasonAdded(oneRetired, reason('x'))).toHaveLength(MAX_REASONS + 1);
  });

  it('refuses a name an active reason has, whatever the case (409 REASON_NAME_TAKEN); a retired one frees it', () => {
    const list = [reason('a', 'Lunch'), reason('b', 'Break', true)];
    expect(() => withReasonAdded(list, reason('c', 'LUNCH'))).toThrow(
      expect.objectContaining({ code: 'REASON_NAME_TAKEN' }),
    );
    expect(withReasonAdded(list, reason('c', 'break')).at(-1)?.name).toBe('break');
    expect(() => withReasonPatched(list, 'b', { retired: false, name: 'lunch' })).toThrow(
      expect.objectContaining({ code: 'REASON_NAME_TAKEN' }),
    );
  });

  it('patches a reason in place (renaming to its own name is fine); 404 for an unknown id; restoring obeys the cap', () => {
    const list = [reason('a', 'Lunch'), reason('b', 'Break')];
    const { reasons, updated } = withReasonPatched(list, 'a', { name: 'LUNCH', needsApproval: true });
    expect(updated).toEqual({ id: 'a', name: 'LUNCH', needsApproval: true, retired: false });
    expect(reasons.map((r) => r.name)).toEqual(['LUNCH', 'Break']);
    expect(() => withReasonPatched(list, 'zz', { name: 'x' })).toThrow(
      expect.objectContaining({ code: 'REASON_NOT_FOUND' }),
    );
    const full = [...fifty, reason('old', 'Old', true)];
    expect(() => withReasonPatched(full, 'old', { retired: false })).toThrow(
      expect.objectContaining({ code: 'TOO_MANY_REASONS' }),
    );
  });
});
