import { NS, clark } from '../../xml/namespaces.js';
import { childrenNamed } from '../../xml/parse.js';
import { serialize } from '../../xml/write.js';
import { DavError, caldavCondition, davCondition } from '../dav-error.js';
import { isProtected } from '../properties.js';
import type { DavRequest, DavResponse } from '../request.js';
import { Collection, type ComponentName } from '../store.js';
import { instructions, parseBody } from './proppatch.js';

const COMPONENTS: readonly ComponentName[] = ['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY'];

/** MKCALENDAR (RFC 4791 §5.3.1): a new calendar collection in the user's home. */
export function mkcalendar(req: DavRequest): DavResponse {
  const t = req.target;
  if (t.kind === 'collection' || t.kind === 'home') throw new DavError(405, 'something exists here already', davCondition('resource-must-be-null'));
  if (t.kind !== 'missing' || !t.parentHome || !t.name) throw new DavError(403, 'calendars can only be made directly in a calendar home', caldavCondition('calendar-collection-location-ok'));
  const collection = new Collection(t.parentHome, t.name, 'calendar', ['VEVENT', 'VTODO'], t.name);
  if (req.body.trim()) {
    const root = parseBody(req.body, NS.CALDAV, 'mkcalendar');
    for (const { op, prop } of instructions(root)) {
      if (op !== 'set') continue;
      const key = clark(prop.ns, prop.name);
      if (key === clark(NS.CALDAV, 'supported-calendar-component-set')) {
        const names = childrenNamed(prop, NS.CALDAV, 'comp').map((c) => (c.attrs.name ?? '').toUpperCase());
        const bad = names.filter((n) => !COMPONENTS.includes(n as ComponentName));
        if (bad.length || names.length === 0) throw new DavError(403, `unsupported component ${bad.join(', ') || '(none)'}`, caldavCondition('supported-calendar-component'));
        collection.components = names as ComponentName[];
      } else if (isProtected(key)) {
        throw new DavError(403, `${key} is protected`, davCondition('cannot-modify-protected-property'));
      } else collection.deadProps.set(key, serialize(prop));
    }
  }
  t.parentHome.add(collection);
  return { status: 201, headers: { 'Cache-Control': 'no-cache' } };
}
