import type { ProfileContext } from '../lib/registry/profile.js';
import { asDateTime, type EventSpec } from './ical-template.js';
import { ProfileBase } from './profile-base.js';

/**
 * A profile that makes new events from the event-shape params
 * (`eventStartDistribution`, `eventDurationDistribution`,
 * `recurrenceDistribution`) and, where it has them, attaches files
 * (`fileAttachPercentage`, `fileSizeDistribution`): Eventer, the inviters and
 * AlarmAcknowledger.
 */
export abstract class EventMaker extends ProfileBase {
  constructor(ctx: ProfileContext, name: string) {
    super(ctx, name);
  }

  /** A new event's shape, sampled: start, duration, RRULE, with a fresh UID and now for CREATED/DTSTAMP. */
  protected newEventSpec(): EventSpec {
    const uid = this.newUid();
    const start = asDateTime(this.sample<unknown>('eventStartDistribution'), 'eventStartDistribution');
    const durationSeconds = this.seconds('eventDurationDistribution');
    const rrule = this.sample<unknown>('recurrenceDistribution');
    return { uid, start, durationSeconds, nowMs: this.clock.now(), rrule: typeof rrule === 'string' && rrule ? rrule : null };
  }

  /** Bytes of the attachment a new event gets: 0 (none) unless the fileAttachPercentage draw hits. */
  protected attachmentSize(): number {
    const pct = this.params.fileAttachPercentage;
    if (typeof pct !== 'number' || !this.percentChance(pct)) return 0;
    return Math.max(0, Math.trunc(this.seconds('fileSizeDistribution')));
  }
}
