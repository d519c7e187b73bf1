import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mayMention } from '../../profiles/calendar-data.js';

describe('mayMention (the test made before a profile parses an event)', () => {
  const event = (lines: string[]) => ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:1', ...lines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
  it('finds a parameter name as written', () => {
    assert.equal(mayMention(event(['ATTACH;MANAGED-ID=abc;FILENAME=a.txt:https://h/a']), 'MANAGED-ID'), true);
  });
  it('finds it in lower case (names are case-insensitive)', () => {
    assert.equal(mayMention(event(['attach;managed-id=abc:https://h/a']), 'MANAGED-ID'), true);
  });
  it('finds it folded across lines, inside the name, with a space or a tab', () => {
    assert.equal(mayMention(event(['ATTACH;MANAG', ' ED-ID=abc:https://h/a']), 'MANAGED-ID'), true);
    assert.equal(mayMention(event(['ATTENDEE;CN=x:mailto:x@ex', 'ATTEN', '\tDEE:mailto:y@ex']), 'ATTENDEE'), true);
    assert.equal(mayMention(event(['ATTACH;MANAGED-', ' ID=abc:https://h/a']).replace(/\r\n/g, '\n'), 'MANAGED-ID'), true);
  });
  it('says no only when the word is absent', () => {
    assert.equal(mayMention(event(['ATTACH:https://h/a', 'SUMMARY:managed idea']), 'MANAGED-ID'), false);
    assert.equal(mayMention(event(['SUMMARY:no one']), 'ATTENDEE'), false);
    assert.equal(mayMention(undefined, 'ATTENDEE'), false);
    assert.equal(mayMention('', 'ATTENDEE'), false);
  });
});
