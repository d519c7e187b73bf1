import ICAL from 'ical.js';

/**
 * ical.js works out a VTIMEZONE's offsets by expanding its rules into a list
 * of changes, from the rules' DTSTART (2007 for the US rules clients send) to
 * five years past the year asked about, once per Timezone object. Every
 * parsed calendar object makes Timezone objects of its own, so every parse
 * whose times are checked or converted paid that expansion again: about 1 ms
 * of the 1.1 ms it takes to parse and check an event with a VTIMEZONE,
 * against 0.1 ms for the same event in UTC (measured; docs/performance-notes.md).
 * The testbed does it for every PUT, every scheduling copy and every
 * free-busy answer, the clients for every invitation they read.
 *
 * Here the expansion is shared: a Timezone about to expand its rules first
 * looks for one already made from the same VTIMEZONE (its jCal, exactly),
 * covering the year asked about, and takes a copy of its list of changes.
 * ical.js only reads the changes once made (each offset lookup clones the
 * ones it adjusts), so the offsets are the same as its own expansion's.
 * Importing this module installs it, once per process.
 */
interface Expansion {
  changes: unknown[];
  expandedUntilYear: number;
}

/** The VTIMEZONEs met are few (one or two per client model); a bound keeps hostile input from growing it. */
const MAX_ZONES = 1000;

interface ExpandableZone {
  changes: unknown[];
  expandedUntilYear: number;
  component: ICAL.Component | null;
  _ensureCoverage(year: number): void;
}

const INSTALLED = Symbol.for('loadsim.sharedTimezoneExpansion');

function install(): void {
  const proto = ICAL.Timezone.prototype as unknown as ExpandableZone & { [INSTALLED]?: true };
  if (proto[INSTALLED]) return;
  const expand = proto._ensureCoverage;
  const expansions = new Map<string, Expansion>();
  proto._ensureCoverage = function (this: ExpandableZone, year: number): void {
    // Already expanded (or the UTC and local zones, which have no component): ical.js decides.
    if (this.changes.length > 0 || !this.component) {
      expand.call(this, year);
      return;
    }
    const key = JSON.stringify(this.component.jCal);
    const known = expansions.get(key);
    if (known && known.expandedUntilYear >= year) {
      this.changes = known.changes.slice();
      this.expandedUntilYear = known.expandedUntilYear;
      return;
    }
    expand.call(this, year);
    if (expansions.size >= MAX_ZONES) expansions.clear();
    expansions.set(key, { changes: this.changes.slice(), expandedUntilYear: this.expandedUntilYear });
  };
  proto[INSTALLED] = true;
}

install();
