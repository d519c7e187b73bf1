import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatPattern, generateRecords, interleavePods, parseAccountsCSV, recordsFromCSVFile, AccountsFileError } from '../../lib/population/accounts.js';
import { needsReference, referenceFile } from '../helpers/reference.js';

describe('accounts', () => {
  it('reads the 2013 accounts.csv: 99 records of 4 columns', needsReference(), () => {
    const r = recordsFromCSVFile(referenceFile('calendarserver-2013', 'accounts.csv'));
    assert.equal(r.length, 99);
    assert.deepEqual(r[0], { uid: 'user01', password: 'user01', commonName: 'User 01', email: 'user01@example.com', guid: 'user01', podID: 'PodA' });
  });

  it('reads the master accounts.csv with pods and interleaves them, stopping at the shortest pod', needsReference(), () => {
    const plain = recordsFromCSVFile(referenceFile('calendarserver-master', 'accounts.csv'));
    assert.equal(plain.length, 198);
    const mixed = recordsFromCSVFile(referenceFile('calendarserver-master', 'accounts.csv'), { interleavePods: true });
    assert.equal(mixed.length, 198);
    assert.deepEqual(mixed.slice(0, 4).map((r) => r.podID), ['PodA', 'PodB', 'PodA', 'PodB']);
    assert.match(mixed[0]!.guid, /^10000000-/);
    const uneven = interleavePods([...plain.slice(0, 3), ...plain.slice(99, 100)]);
    assert.deepEqual(uneven.map((r) => r.uid), [plain[0]!.uid, plain[99]!.uid]);
  });

  it('reads GUID and pod columns and interleaves the pods, stopping at the shortest', () => {
    const csv = ['a1,pa1,A 1,a1@example.com,guid-a1,PodA', 'a2,pa2,A 2,a2@example.com,guid-a2,PodA', 'a3,pa3,A 3,a3@example.com,guid-a3,PodA', 'b1,pb1,B 1,b1@example.com,guid-b1,PodB', 'b2,pb2,B 2,b2@example.com,guid-b2,PodB'].join('\n');
    const plain = parseAccountsCSV(`${csv}\n`);
    assert.deepEqual(plain[3], { uid: 'b1', password: 'pb1', commonName: 'B 1', email: 'b1@example.com', guid: 'guid-b1', podID: 'PodB' });
    assert.deepEqual(interleavePods(plain).map((r) => r.uid), ['a1', 'b1', 'a2', 'b2']);
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
