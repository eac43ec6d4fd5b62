/**
 * Makes examples/data/debian-packages.jsonl.gz: Debian package descriptions with archive metadata as labels
 * (provenance, licence and the labelling rules: examples/data/README.md).
 *
 *   apt-get update -o Acquire::Languages=en      # as root, once: fetches the long descriptions
 *   node --import tsx scripts/make-debian-data.ts
 *
 * Reads `apt-cache dumpavail` (package, section, debtags) and the archive's English translation files
 * (`apt-get indextargets` names them; `apt-helper cat-file` decompresses them), joined on the package name and
 * the description's MD5, as the archive itself joins them. Deterministic for a given set of package lists:
 * packages in name order, one row each.
 *
 *   node --import tsx scripts/make-debian-data.ts --relabel
 *
 * Offline (no Translation-en needed): keeps the shipped file's rows (package, text, section) and rewrites only
 * the debtags columns from `apt-cache dumpavail` (the first stanza of each package, the Packages lists alone).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

/** The debtags facets that become tasks (column name ← facet). */
const FACETS = { implemented_in: 'implemented-in', interface: 'interface', role: 'role' } as const;
/** Descriptions are cut here (at a word boundary): about 80 tokens, and the shipped file stays under 5 MB. */
const MAX_CHARS = 360;
const OUT = path.join(__dirname, '..', 'examples', 'data', 'debian-packages.jsonl.gz');

type Stanza = Map<string, string>;

/** RFC 822-style stanzas (blank-line separated, continuation lines start with a space) → field maps. */
function* stanzas(text: string): Generator<Stanza> {
  for (const block of text.split(/\n\n+/)) {
    const fields: Stanza = new Map();
    let key = '';
    for (const line of block.split('\n')) {
      if (line.startsWith(' ') && key) fields.set(key, `${fields.get(key)}\n${line}`);
      else {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        key = line.slice(0, colon);
        fields.set(key, line.slice(colon + 1).trim());
      }
    }
    if (fields.has('Package')) yield fields;
  }
}

const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 30 });

/** Description-en: the short line, then the long text with Debian's markup undone (" ." = blank line). */
function descriptionText(description: string): string {
  const [short, ...long] = description.split('\n');
  const body = long.map((line) => (line.trim() === '.' ? '' : line.trim())).join(' ').replace(/\s+/g, ' ').trim();
  const text = body ? `${short.trim()}. ${body}` : short.trim();
  if (text.length <= MAX_CHARS) return text;
  const cut = text.slice(0, MAX_CHARS);
  return cut.slice(0, Math.max(cut.lastIndexOf(' '), short.length)).trim();
}

function translations(): Map<string, string> {
  const files = run('apt-get', ['indextargets', '-o', 'Acquire::Languages=en', '--format', '$(FILENAME)', 'Identifier: Translations']).split('\n').filter(Boolean);
  if (files.length === 0) throw new Error('no Translation-en files among the apt lists: run `apt-get update -o Acquire::Languages=en` first (as root)');
  const byKey = new Map<string, string>();
  for (const file of files) {
    for (const s of stanzas(run('/usr/lib/apt/apt-helper', ['cat-file', file]))) {
      const key = `${s.get('Package')}/${s.get('Description-md5')}`;
      if (!byKey.has(key) && s.has('Description-en')) byKey.set(key, s.get('Description-en')!);
    }
  }
  return byKey;
}

interface Row {
  package: string;
  text: string;
  section: string;
  implemented_in: string | null;
  interface: string | null;
  role: string | null;
}

/**
 * A facet's labels: all of the package's tags in that facet, sorted and joined with "," (the multilabel
 * cell format: `interface::commandline, interface::text-mode` → "commandline,text-mode"); null when it has none.
 */
function facets(tagField: string | undefined): Pick<Row, keyof typeof FACETS> {
  const tags = (tagField ?? '').split(/[,\s]+/).filter(Boolean);
  const facet = (prefix: string) => {
    const values = tags.filter((t) => t.startsWith(`${prefix}::`)).map((t) => t.slice(prefix.length + 2));
    return values.length === 0 ? null : [...new Set(values)].sort().join(',');
  };
  return { implemented_in: facet(FACETS.implemented_in), interface: facet(FACETS.interface), role: facet(FACETS.role) };
}

function rows(): Row[] {
  const descriptions = translations();
  const seen = new Set<string>();
  const out: Row[] = [];
  for (const s of stanzas(run('apt-cache', ['dumpavail']))) {
    const name = s.get('Package')!;
    const description = descriptions.get(`${name}/${s.get('Description-md5')}`);
    const section = s.get('Section');
    if (seen.has(name) || description === undefined || section === undefined) continue;
    seen.add(name);
    out.push({
      package: name,
      text: descriptionText(description),
      // contrib/non-free packages carry their area: "contrib/utils" → "utils".
      section: section.slice(section.lastIndexOf('/') + 1),
      ...facets(s.get('Tag')),
    });
  }
  return out.sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : 0));
}

/** --relabel: the shipped rows with their debtags columns taken again from the Packages lists. */
function relabelled(): Row[] {
  const tagsOf = new Map<string, string | undefined>();
  for (const s of stanzas(run('apt-cache', ['dumpavail']))) if (!tagsOf.has(s.get('Package')!)) tagsOf.set(s.get('Package')!, s.get('Tag'));
  const shipped = gunzipSync(readFileSync(OUT)).toString('utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Row);
  return shipped.map((r) => ({ package: r.package, text: r.text, section: r.section, ...facets(tagsOf.get(r.package)) }));
}

const all = process.argv.includes('--relabel') ? relabelled() : rows();
const body = all.map((r) => JSON.stringify(r)).join('\n') + '\n';
const gz = gzipSync(body, { level: 9 });
writeFileSync(OUT, gz);
const labelled = (key: keyof Row) => all.filter((r) => r[key] !== null).length;
const classes = (key: keyof Row) => new Set(all.flatMap((r) => (r[key] === null ? [] : key === 'section' ? [r[key]] : r[key]!.split(',')))).size;
const several = (key: keyof Row) => all.filter((r) => r[key]?.includes(',')).length;
console.log(`${OUT}: ${all.length} packages, ${(gz.length / 1e6).toFixed(2)} MB`);
for (const key of ['section', ...Object.keys(FACETS)] as (keyof Row)[]) console.log(`  ${key}: ${labelled(key)} labelled (${several(key)} with several), ${classes(key)} classes`);
