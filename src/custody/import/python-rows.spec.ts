import { auditColumnMap, auditEntryOf, metadataOf, walletIdOf, walletStatusOf } from './python-rows';

describe("reading the Python backend's rows", () => {
  describe('walletIdOf', () => {
    it('maps a rotated row named <wallet_id>_rotated_<unix seconds> back to its wallet, with the rotation time', () => {
      expect(walletIdOf({ wallet_id: 'guest_7_rotated_1700000000', status: 'rotated' })).toEqual({
        walletId: 'guest_7',
        renamedAt: new Date('2023-11-14T22:13:20.000Z'),
      });
    });

    it('keeps the name of an active row, which the Python backend never renames', () => {
      expect(walletIdOf({ wallet_id: 'odd_rotated_12', status: 'active' })).toEqual({ walletId: 'odd_rotated_12', renamedAt: null });
    });

    it('keeps a name that only looks similar', () => {
      expect(walletIdOf({ wallet_id: 'w1_rotated_', status: 'revoked' })).toEqual({ walletId: 'w1_rotated_', renamedAt: null });
    });
  });

  it('knows the three statuses both backends share, and no other', () => {
    expect(['active', 'rotated', 'revoked', 'frozen', 'ACTIVE'].map(walletStatusOf)).toEqual(['active', 'rotated', 'revoked', null, null]);
  });

  describe('metadataOf', () => {
    it('parses a JSON object', () => {
      expect(metadataOf('{"tier":"gold","stays":3}')).toEqual({ tier: 'gold', stays: 3 });
    });

    it.each([null, '', '  ', 'null'])('reads %p as no metadata', (text) => {
      expect(metadataOf(text)).toEqual({});
    });

    it.each([
      ['unparseable text', 'tier=gold'],
      ['a JSON array', '[1,2]'],
      ['a JSON string', '"gold"'],
      ['a NUL escape jsonb refuses', '{"a":"\\u0000"}'],
    ])('keeps %s whole as legacy_metadata', (_label, text) => {
      expect(metadataOf(text)).toEqual({ legacy_metadata: text });
    });
  });

  describe('auditEntryOf', () => {
    const columns = ['id', 'wallet_id', 'action', 'severity', 'details', 'ip_address', 'user_agent', 'user_id', 'created_at'];
    const map = { ...auditColumnMap(columns), id: 'id' };
    const row = {
      id: 41,
      wallet_id: 'guest-1',
      action: 'key_accessed',
      severity: 'warning',
      details: '{"purpose":"mint"}',
      ip_address: '10.0.0.8',
      user_agent: 'curl/8',
      user_id: 'ops-anna',
      created_at: new Date('2024-03-01T10:00:00.250Z'),
    };

    it('recognises the columns it knows by name and leaves the others unmapped', () => {
      expect(auditColumnMap(columns)).toEqual({
        id: 'id',
        walletId: 'wallet_id',
        action: 'action',
        severity: 'severity',
        actor: 'user_id',
        sourceIp: 'ip_address',
        requestId: null,
        details: 'details',
        createdAt: 'created_at',
      });
    });

    it('fills our columns and keeps the Python id, time and every original column in details', () => {
      const { details: _details, ...columnsButDetails } = row;
      expect(auditEntryOf(row, map)).toEqual({
        pythonId: '41',
        walletId: 'guest-1',
        action: 'key_accessed',
        severity: 'MEDIUM',
        actor: 'python-backend:ops-anna',
        sourceIp: '10.0.0.8',
        requestId: null,
        details: {
          imported_from: 'python-backend',
          python_audit_id: '41',
          python_created_at: '2024-03-01T10:00:00.250Z',
          python_row: { ...columnsButDetails, created_at: '2024-03-01T10:00:00.250Z' },
          python_details: { purpose: 'mint' },
        },
      });
    });

    it.each([
      ['info', 'LOW'],
      ['HIGH', 'HIGH'],
      ['error', 'HIGH'],
      ['critical', 'CRITICAL'],
      ['something else', 'MEDIUM'],
    ])('reads severity %p as %s', (severity, expected) => {
      expect(auditEntryOf({ ...row, severity }, map).severity).toBe(expected);
    });

    it('keeps details that are not JSON as their text, and names no actor it was not given', () => {
      const entry = auditEntryOf({ id: 1, details: 'rotated by cron' }, { ...auditColumnMap(['id', 'details']), id: 'id' });
      expect(entry).toMatchObject({ actor: 'python-backend', action: 'python_audit_entry', walletId: null });
      expect(entry.details).toMatchObject({ python_details: 'rotated by cron', python_created_at: null });
    });
  });
});
