import type { ParamReader } from './params.js';
import { describeValue } from './problems.js';

/**
 * Which reference generation a run reproduces: the 2013 load simulator or
 * master's. A config's shape says which one it was written for (a single
 * `server` is 2013, `servers` pods are master); loadsim's own key
 * `generation` in config.plist, or `--generation` on the command line,
 * overrides that.
 *
 * What the generation decides (each where the two generations' code differs):
 *
 * - which `Inviter` a profile entry gets: 2013's adds one attendee to an
 *   existing event (profiles/inviter-2013.ts), master's makes new events with
 *   invitees (profiles/inviter.ts);
 * - the parameters of the 2013 Eventer and client models: no attachments
 *   (`fileAttachPercentage`), no unauthenticated first requests
 *   (`unauthenticatedPercentage`): such keys are ignored, with a warning;
 * - the notification collection: PROPFIND on every poll for 10.6, 10.7 and
 *   iOS 5 in master, never in 2013 (its client forgot the collection);
 * - the first tick of interval profiles: at once in 2013, after a random
 *   1…interval seconds in master (`staggerFirstTicks` overrides it).
 */
export type Generation = '2013' | 'master';

export const GENERATIONS: readonly Generation[] = ['2013', 'master'];

/** Where a run's generation came from. */
export type GenerationSource = 'detected' | 'config' | 'command line';

export function isGeneration(v: unknown): v is Generation {
  return v === '2013' || v === 'master';
}

/**
 * The `generation` key of config.plist, if given: `2013` or `master` (a
 * plist integer 2013 is taken too). A bad value is an error at that key.
 */
export function readGenerationKey(root: ParamReader): Generation | undefined {
  if (!root.has('generation')) return undefined;
  const v = root.raw('generation');
  root.markUsed('generation');
  if (v === 2013) return '2013';
  if (isGeneration(v)) return v;
  root.error('generation', `expected "2013" or "master" (the reference generation whose behaviour to reproduce), got ${describeValue(v)}`);
  return undefined;
}

/** One line for the plan: the generation, and how it was decided. */
export function describeGeneration(generation: Generation, source: GenerationSource, shape: Generation): string {
  const shapeText = shape === '2013' ? 'one `server`' : '`servers` pods';
  const how =
    source === 'detected'
      ? `detected from the config's shape: ${shapeText}`
      : `set by ${source === 'config' ? 'the `generation` key in config.plist' : '--generation'}${shape !== generation ? `; the config's shape (${shapeText}) alone would give ${shape}` : ''}`;
  return `Generation: ${generation} (${how})`;
}

/** What the generation changes in a run, for the plan. */
export function generationEffects(generation: Generation, staggerFirstTicks: boolean): string[] {
  const stagger = staggerFirstTicks
    ? `after a random 1…interval seconds${generation === '2013' ? ' (staggerFirstTicks; 2013 ticked at once)' : ''}`
    : `at once${generation === 'master' ? ' (staggerFirstTicks false; master waited a random 1…interval seconds)' : ''}`;
  return generation === '2013'
    ? [
        '  Inviter: adds one attendee to an existing event (2013)',
        '  Eventer: no attachments; no unauthenticated first requests',
        '  10.6, 10.7, iOS 5: no notification-collection PROPFINDs',
        `  interval profiles: first tick ${stagger}`,
      ]
    : [
        '  Inviter: new events with invitees (master)',
        '  Eventer: attachments (fileAttachPercentage); unauthenticated first requests (unauthenticatedPercentage)',
        '  10.6, 10.7, iOS 5: notification-collection PROPFINDs on every poll',
        `  interval profiles: first tick ${stagger}`,
      ];
}
