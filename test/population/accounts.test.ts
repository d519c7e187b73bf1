import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPattern, generateRecords, interleavePods, parseAccountsCSV, recordsFromCSVFile, AccountsFileError } from '../../lib/population/accounts.js';
import { referenceFile } from '../helpers/reference.js';

describe('accounts', () => {
  it('reads the 2013 accounts.csv: 99 records of 4 columns', () => {
    const r = recordsFromCSVFile(referenceFile('calendarserver-2013', 'accounts.csv'));
    assert.equal(r.length, 99);
    assert.deepEqual(r[0], { uid: 'user01', password: 'user01', commonName: 'User 01', email: 'user01@example.com', guid: 'user01', podID: 'PodA' });
  });

  it('reads the master accounts.csv with pods and interleaves them, stopping at the shortest pod', () => {
    const plain = recordsFromCSVFile(referenceFile('calendarserver-master', 'accounts.csv'));
    assert.equal(plain.length, 198);
    const mixed = recordsFromCSVFile(referenceFile('calendarserver-master', 'accounts.csv'), { interleavePods: true });
    assert.equal(mixed.length, 198);
    assert.deepEqual(mixed.slice(0, 4).map((r) => r.podID), ['PodA', 'PodB', 'PodA', 'PodB']);
    assert.match(mixed[0]!.guid, /^10000000-/);
    const uneven = interleavePods([...plain.slice(0, 3), ...plain.slice(99, 100)]);
    assert.deepEqual(uneven.map((r) => r.uid), [plain[0]!.uid, plain[99]!.uid]);
  });

  it('refuses a line with too few columns, naming it', () => {
    assert.throws(() => parseAccountsCSV('a,b,c,d\n\ne,f\n'), (e: unknown) => e instanceof AccountsFileError && e.line === 3);
  });

  it('keeps a quoted comma in a display name', () => {
    assert.equal(parseAccountsCSV('u1,p1,"Smith, Jo",jo@example.com\n')[0]!.commonName, 'Smith, Jo');
  });

  it('generateRecords numbers from 1 with Python-style patterns', () => {
    assert.deepEqual(generateRecords(2).map((r) => r.uid), ['user1', 'user2']);
    const padded = generateRecords(12, { uidPattern: 'user%02d', emailPattern: 'user%02d@example.com' });
    assert.equal(padded[8]!.uid, 'user09');
    assert.equal(padded[11]!.email, 'user12@example.com');
    assert.equal(formatPattern('User %s', 7), 'User 7');
    assert.equal(formatPattern('u%4d', 7), 'u   7');
  });
});
