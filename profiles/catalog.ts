import type { ParamDef, ParamSpec } from '../lib/params/param-spec.js';
import type { Profile, ProfileContext } from '../lib/registry/profile.js';
import type { ProfileDefinition } from '../lib/registry/definitions.js';
import { Accepter } from './accepter.js';
import { AlarmAcknowledger } from './alarm-acknowledger.js';
import { APNSSubscriber } from './apns-subscriber.js';
import { AttachmentDownloader } from './attachment-downloader.js';
import { Attacher } from './attacher.js';
import { CalendarSharer } from './calendar-sharer.js';
import { DeepRefresher } from './deep-refresher.js';
import { DescriptionChanger } from './description-changer.js';
import { DistanceInviter } from './distance-inviter.js';
import { EventCountLimiter } from './event-count-limiter.js';
import { Eventer } from './eventer.js';
import { Inviter } from './inviter.js';
import { Inviter2013 } from './inviter-2013.js';
import { RealisticInviter } from './realistic-inviter.js';
import { Resetter } from './resetter.js';
import { Tasker } from './tasker.js';
import { TimeRanger } from './time-ranger.js';
import { TitleChanger } from './title-changer.js';

/**
 * Every user behaviour of both reference generations, with its parameters and
 * defaults (the original's profiles.py, profiles.py at 2013), and how to make it: `create(ctx)` gives a Profile
 * that does nothing until `start()`. One file each in this folder.
 */

const dist = (type: string, params: Record<string, unknown>, doc: string): ParamDef => ({ type: 'distribution', default: { type, params }, doc });
const interval = (seconds: number): ParamDef => ({ type: 'number', rule: { positive: true }, unit: 's', default: seconds, doc: 'seconds between runs' });
const percent = (def: number, doc: string): ParamDef => ({ type: 'number', rule: { min: 0, max: 100 }, default: def, doc });

const enabled: ParamSpec = { enabled: { type: 'boolean', default: true, doc: 'run this profile' } };
const eventShape: ParamSpec = {
  eventStartDistribution: dist('NearFutureDistribution', {}, 'when new events start'),
  eventDurationDistribution: dist('UniformDiscreteDistribution', { values: [900, 1800, 2700, 3600, 7200] }, 'event length, seconds'),
  recurrenceDistribution: dist('RecurrenceDistribution', { allowRecurrence: false }, 'RRULE of new events'),
};
const attachments: ParamSpec = {
  fileAttachPercentage: percent(30, 'percent of new events that get an attachment'),
  fileSizeDistribution: dist('NormalDistribution', { mu: 1024, sigma: 1 }, 'attachment size, bytes'),
};
const inviteeChoice: ParamSpec = {
  sendInvitationDistribution: dist('NormalDistribution', { mu: 600, sigma: 60 }, 'seconds between invitations'),
  inviteeDistribution: dist('UniformDiscreteDistribution', { values: [-10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, 'invitee user number (relative when clumping)'),
  inviteeClumping: { type: 'boolean', default: true, doc: 'invitee numbers are relative to the inviter' },
  inviteeCountDistribution: dist('LogNormalDistribution', { mu: 1.2, sigma: 1.2 }, 'invitees per event'),
};

type ProfileClass = new (ctx: ProfileContext) => Profile;

const profile = (name: string, Impl: ProfileClass, summary: string, params: ParamSpec): ProfileDefinition => ({
  name,
  summary,
  params: { ...enabled, ...params },
  create: (ctx) => new Impl(ctx),
});

/**
 * A profile whose 2013 code differed from master's: a config of the 2013
 * generation (lib/params/generation.ts) gets `variant` under the same name.
 */
const withGeneration2013 = (master: ProfileDefinition, variant: ProfileDefinition): ProfileDefinition => ({
  ...master,
  generations: { '2013': { ...variant, generation: '2013' } },
});

/** The 2013 Eventer: no attachment params, so it never attaches (profiles.py Eventer at 2013). */
const eventer2013 = profile('Eventer', Eventer, 'creates an event on a random calendar every interval, no attachments (2013)', { interval: interval(25), ...eventShape });

/** The 2013 Inviter (profiles.py Inviter at 2013): one attendee added to an existing event. */
const inviter2013 = profile('Inviter', Inviter2013, 'adds one attendee to an existing event (2013)', {
  sendInvitationDistribution: dist('NormalDistribution', { mu: 600, sigma: 60 }, 'seconds between invitations'),
  inviteeDistribution: dist('UniformDiscreteDistribution', { values: [-10, -9, -8, -7, -6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10] }, 'invitee user number relative to the inviter'),
});

export const builtinProfiles: readonly ProfileDefinition[] = [
  withGeneration2013(profile('Eventer', Eventer, 'creates an event on a random calendar every interval', { interval: interval(25), ...eventShape, ...attachments }), eventer2013),
  profile('Tasker', Tasker, 'creates a task (VTODO) every interval', { interval: interval(25), taskDueDistribution: dist('NearFutureDistribution', {}, 'task due date') }),
  withGeneration2013(
    profile('Inviter', Inviter, 'creates events with invitees (the 2015+ Inviter; a 2013 config gets the 2013 one)', {
      ...inviteeChoice,
      ...eventShape,
      ...attachments,
      inviteeLookupPercentage: percent(50, 'percent of invitees looked up (principal search + free-busy) first'),
    }),
    inviter2013,
  ),
  profile('RealisticInviter', RealisticInviter, 'creates events with invitees (2013)', { ...inviteeChoice, ...eventShape }),
  {
    ...profile('DistanceInviter', DistanceInviter, 'adds one attendee to an existing event (the old Inviter)', {
      sendInvitationDistribution: dist('NormalDistribution', { mu: 600, sigma: 60 }, 'seconds between invitations'),
      inviteeDistanceDistribution: dist('UniformIntegerDistribution', { min: -100, max: 101 }, 'invitee user number relative to the inviter'),
    }),
    aliases: ['OldInviter'],
  },
  profile('Accepter', Accepter, 'accepts invitations, handles replies and cancellations in the inbox', {
    acceptDelayDistribution: dist('NormalDistribution', { mu: 1200, sigma: 60 }, 'seconds before accepting'),
  }),
  profile('AlarmAcknowledger', AlarmAcknowledger, 'keeps an event with an alarm and acknowledges it at set minutes past the hour', {
    interval: interval(5),
    pastTheHour: { type: 'numbers', rule: { integer: true, min: 0, max: 59 }, default: [0, 15, 30, 45], doc: 'minutes past the hour to acknowledge' },
    ...eventShape,
  }),
  profile('TitleChanger', TitleChanger, 'changes the title of an event', { interval: interval(60), titleLengthDistribution: dist('NormalDistribution', { mu: 10, sigma: 2 }, 'title length') }),
  profile('DescriptionChanger', DescriptionChanger, 'changes the description of an event', {
    interval: interval(60),
    descriptionLengthDistribution: dist('NormalDistribution', { mu: 10, sigma: 2 }, 'description length'),
  }),
  profile('Attacher', Attacher, 'attaches a file to an event', { interval: interval(60), fileSizeDistribution: dist('NormalDistribution', { mu: 1024, sigma: 1 }, 'attachment size, bytes') }),
  profile('AttachmentDownloader', AttachmentDownloader, 'downloads attachments of changed events', {}),
  profile('EventCountLimiter', EventCountLimiter, 'deletes events beyond a count per calendar', {
    interval: interval(60),
    eventCountLimit: { type: 'number', rule: { integer: true, min: 0 }, default: 1000, doc: 'events kept per calendar' },
  }),
  profile('CalendarSharer', CalendarSharer, 'shares a calendar with another user', {
    interval: interval(60),
    maxSharees: { type: 'number', rule: { integer: true, min: 0 }, default: 3, doc: 'sharees per calendar' },
  }),
  profile('TimeRanger', TimeRanger, 'time-range query for the next 24 hours', { interval: interval(25) }),
  profile('DeepRefresher', DeepRefresher, 'PROPFIND of the home and every calendar', { interval: interval(25) }),
  profile('APNSSubscriber', APNSSubscriber, 'subscribes for Apple push', { interval: interval(60) }),
  profile('Resetter', Resetter, 'throws away client state and starts again', { interval: interval(600) }),
];
