import { NS, clark } from '../../xml/namespaces.js';
import { child, childrenNamed, textOf, type XmlElement } from '../../xml/parse.js';
import { multistatus, propResponse, type PropRequest } from '../multistatus.js';
import { propNamesOf } from '../methods/propfind.js';
import { XML_HEADERS, type DavRequest, type DavResponse } from '../request.js';
import type { User } from '../store.js';

/** The principal properties clients search on, and how to read each from a user. */
const SEARCHABLE: ReadonlyMap<string, { description: string; values: (u: User) => string[] }> = new Map([
  [clark(NS.DAV, 'displayname'), { description: 'Display name', values: (u: User) => [u.record.commonName] }],
  [clark(NS.CS, 'email-address-set'), { description: 'Email addresses', values: (u: User) => [u.record.email] }],
  [clark(NS.CS, 'first-name'), { description: 'First name', values: (u: User) => [u.record.commonName.split(' ')[0] ?? ''] }],
  [clark(NS.CS, 'last-name'), { description: 'Last name', values: (u: User) => [u.record.commonName.split(' ').slice(1).join(' ')] }],
  [clark(NS.CALDAV, 'calendar-user-address-set'), { description: 'Calendar user addresses', values: (u: User) => u.addresses }],
  [clark(NS.CALDAV, 'calendar-user-type'), { description: 'Calendar user type', values: () => ['INDIVIDUAL'] }],
]);

type MatchType = 'contains' | 'starts-with' | 'ends-with' | 'equals';

/** `value` already lower-cased (the index keeps it so), `needle` lower-cased by the caller. */
function matches(value: string, needle: string, type: MatchType): boolean {
  return type === 'starts-with' ? value.startsWith(needle) : type === 'ends-with' ? value.endsWith(needle) : type === 'equals' ? value === needle : value.includes(needle);
}

/**
 * Each user's searchable values, lower-cased, made once per user list. A
 * search still reads every user (substring matches cannot use a sorted
 * index), but without allocating: with 7,500 clients auto-completing
 * attendees, making these afresh per search took a core (profiled).
 */
interface IndexedUser {
  user: User;
  /** Property Clark name → its values, lower-cased. */
  values: Map<string, string[]>;
  /** Every value of every property, lower-cased, NUL-separated: one `includes` per token, never across two fields. */
  all: string;
}

interface SearchIndex {
  size: number;
  users: IndexedUser[];
  /**
   * Answers by question: the users do not change while the testbed runs
   * (the index is remade if their number does), and clients ask the same
   * few questions (Calendar's address completion, a handful of prefixes)
   * thousands of times; each is a pass over every user otherwise.
   */
  answers: Map<string, User[]>;
}

const indexes = new WeakMap<ReadonlyMap<string, User>, SearchIndex>();

function searchIndex(users: ReadonlyMap<string, User>): SearchIndex {
  let index = indexes.get(users);
  if (!index || index.size !== users.size) {
    const list: IndexedUser[] = [];
    for (const user of users.values()) {
      const values = new Map<string, string[]>();
      for (const [name, s] of SEARCHABLE) values.set(name, s.values(user).map((v) => v.toLowerCase()));
      list.push({ user, values, all: [...values.values()].flat().join('\u0000') });
    }
    index = { size: users.size, users: list, answers: new Map() };
    indexes.set(users, index);
  }
  return index;
}

/** The users `find` picks, answered once per question `key`. */
function search(users: ReadonlyMap<string, User>, key: string, find: (index: IndexedUser[]) => User[]): User[] {
  const index = searchIndex(users);
  let found = index.answers.get(key);
  if (!found) {
    found = find(index.users);
    if (index.answers.size >= 1000) index.answers.clear();
    index.answers.set(key, found);
  }
  return found;
}

const principalTarget = (u: User) => ({ kind: 'principal' as const, path: u.principalPath, user: u });

function answer(req: DavRequest, users: User[], root: XmlElement): DavResponse {
  const prop = child(root, NS.DAV, 'prop');
  const pr: PropRequest = { type: 'prop', names: prop ? propNamesOf(prop) : [] };
  const out = users.map((u) => propResponse(u.principalPath, principalTarget(u), pr, req.ctx)).join('');
  return { status: 207, headers: { ...XML_HEADERS }, body: multistatus(out) };
}

/**
 * DAV:principal-property-search (RFC 3744 §9.4): `test` allof (default) or
 * anyof; CalendarServer's `match-type` attribute (contains by default).
 */
export function principalPropertySearch(req: DavRequest, root: XmlElement): DavResponse {
  const anyof = root.attrs.test === 'anyof';
  const criteria = childrenNamed(root, NS.DAV, 'property-search').map((ps) => {
    const match = child(ps, NS.DAV, 'match');
    return {
      props: child(ps, NS.DAV, 'prop')?.children.map((c) => clark(c.ns, c.name)) ?? [],
      needle: textOf(match).toLowerCase(),
      type: ((match?.attrs['match-type'] as MatchType | undefined) ?? 'contains') as MatchType,
    };
  });
  if (criteria.length === 0) return answer(req, [], root);
  const hit = (u: IndexedUser, c: (typeof criteria)[number]) => c.props.some((p) => u.values.get(p)?.some((v) => matches(v, c.needle, c.type)));
  const users = search(req.store.users, `pps ${anyof} ${JSON.stringify(criteria)}`, (index) =>
    index.filter((u) => (anyof ? criteria.some((c) => hit(u, c)) : criteria.every((c) => hit(u, c)))).map((u) => u.user),
  );
  return answer(req, users, root);
}

/** DAV:principal-search-property-set (RFC 3744 §9.5): a plain 200 document, not a multistatus. */
export function principalSearchPropertySet(): DavResponse {
  const items = [...SEARCHABLE.entries()]
    .map(([c, s]) => {
      const ns = c.slice(1, c.indexOf('}'));
      const name = c.slice(c.indexOf('}') + 1);
      const prefix = ns === NS.DAV ? 'D' : ns === NS.CALDAV ? 'C' : 'CS';
      return `<D:principal-search-property><D:prop><${prefix}:${name}/></D:prop><D:description xml:lang="en">${s.description}</D:description></D:principal-search-property>`;
    })
    .join('');
  return {
    status: 200,
    headers: { ...XML_HEADERS },
    body: `<?xml version="1.0" encoding="utf-8"?>\n<D:principal-search-property-set xmlns:D="DAV:" xmlns:C="${NS.CALDAV}" xmlns:CS="${NS.CS}">${items}</D:principal-search-property-set>`,
  };
}

/**
 * CalendarServer's calendarserver-principal-search (the 10.11 attendee
 * auto-complete): every search-token must match one of the name or address
 * fields; `limit/nresults` caps the answer.
 */
export function calendarserverPrincipalSearch(req: DavRequest, root: XmlElement): DavResponse {
  const tokens = childrenNamed(root, NS.CS, 'search-token')
    .map((t) => textOf(t).toLowerCase())
    .filter((t) => t && !t.includes('\u0000'));
  const limit = Number(textOf(child(child(root, NS.CS, 'limit'), NS.CS, 'nresults'))) || Infinity;
  const users =
    tokens.length === 0
      ? []
      : search(req.store.users, `cps ${limit} ${JSON.stringify(tokens)}`, (index) => {
          const found: User[] = [];
          // Stop at the limit: the rest would be cut anyway.
          for (const u of index) {
            if (found.length >= limit) break;
            if (tokens.every((tok) => u.all.includes(tok))) found.push(u.user);
          }
          return found;
        });
  return answer(req, users, root);
}
