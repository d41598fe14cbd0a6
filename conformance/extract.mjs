#!/usr/bin/env node
// The catalogue of normative statements: every sentence of the six runtime-spec documents that
// holds an RFC 2119 keyword (MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, SHOULD, SHOULD NOT,
// RECOMMENDED, NOT RECOMMENDED), with the section it is in and its level. Written to
// conformance/statements.json, which the cases name statements from; `--check` fails when the file
// is out of date with the spec documents.
//
//   node conformance/extract.mjs [--spec DIR] [--check]
//
// DIR defaults to ../shared/runtime-spec beside the checkout. Statement ids are
// `<doc>#<anchor>/<n>`: the nth statement under that section anchor.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const DOCUMENTS = ['runtime.md', 'runtime-linux.md', 'config.md', 'config-linux.md', 'features.md', 'features-linux.md'];

/** Strongest first: a sentence's level is the first of these it contains. */
const LEVELS = ['MUST NOT', 'SHALL NOT', 'MUST', 'REQUIRED', 'SHALL', 'SHOULD NOT', 'NOT RECOMMENDED', 'SHOULD', 'RECOMMENDED'];
const KEYWORD = /\b(MUST|REQUIRED|SHALL|SHOULD|RECOMMENDED)\b/;

/** Headings naming another platform: their statements do not apply to a Linux runtime. */
const OTHER_PLATFORM = /\b(Windows|Solaris|z\/OS|FreeBSD|VM|Virtual-machine|Hyper-V)\b/i;

/** Markdown reduced to the words a reader sees: links to their text, emphasis and code marks gone. */
function plain(text) {
  return text
    .replace(/<a name="[^"]*" *\/>/g, '')
    .replace(/\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\*\*|`/g, '')
    .replace(/^\s*(?:[*-]|\d+\.)\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Sentences of a paragraph: split after . ! ? followed by a space and a capital or a quote. */
function sentences(text) {
  return text.split(/(?<=[.!?])\s+(?=[A-Z`"*[(])/).filter(Boolean);
}

export function extract(specDir) {
  const statements = [];
  for (const doc of DOCUMENTS) {
    const lines = fs.readFileSync(path.join(specDir, doc), 'utf8').split('\n');
    let anchor = doc.replace(/\.md$/, '');
    let platform = 'linux';
    let headingLevel = 0;
    let otherPlatformDepth = 0;
    let inCode = false;
    const counts = new Map();
    // Paragraphs: consecutive lines of one list item or paragraph, joined, with their first line number.
    let para = [];
    let paraLine = 0;
    const flush = () => {
      if (!para.length) return;
      const text = plain(para.join(' '));
      for (const sentence of sentences(text)) {
        if (!KEYWORD.test(sentence)) continue;
        const level = LEVELS.find((l) => new RegExp(`\\b${l}\\b`).test(sentence));
        const n = (counts.get(anchor) ?? 0) + 1;
        counts.set(anchor, n);
        statements.push({ id: `${doc}#${anchor}/${n}`, doc, section: anchor, line: paraLine, level, platform, text: sentence });
      }
      para = [];
    };
    lines.forEach((line, i) => {
      if (/^\s*```/.test(line)) {
        flush();
        inCode = !inCode;
        return;
      }
      if (inCode) return;
      const heading = /^(#+)\s+(.*)$/.exec(line);
      if (heading) {
        flush();
        const depth = heading[1].length;
        const name = /<a name="([^"]+)"/.exec(heading[2]);
        if (name) anchor = name[1];
        // A platform heading covers its subsections; the next heading at its depth or above ends it.
        if (otherPlatformDepth && depth <= otherPlatformDepth) otherPlatformDepth = 0;
        if (OTHER_PLATFORM.test(heading[2]) && !/linux/i.test(heading[2])) otherPlatformDepth = depth;
        platform = otherPlatformDepth ? 'other' : 'linux';
        headingLevel = depth;
        return;
      }
      if (!line.trim()) return flush();
      // A new list item starts a new paragraph; an indented line continues the item above.
      if (/^\s*(?:[*-]|\d+\.)\s+/.test(line) && !/^\s{4,}/.test(line)) flush();
      if (!para.length) paraLine = i + 1;
      para.push(line);
    });
    flush();
    void headingLevel;
  }
  return statements;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const { values } = parseArgs({ options: { spec: { type: 'string' }, check: { type: 'boolean', default: false } } });
  const specDir = values.spec ?? [path.join(here, '../../shared/runtime-spec'), '/work/shared/runtime-spec'].find((d) => fs.existsSync(d));
  if (!specDir) {
    process.stderr.write('runtime-spec documents not found: pass --spec DIR\n');
    process.exit(2);
  }
  const source = fs.existsSync(path.join(specDir, 'SOURCE.txt')) ? fs.readFileSync(path.join(specDir, 'SOURCE.txt'), 'utf8').trim() : specDir;
  const out = `${JSON.stringify({ source, statements: extract(specDir) }, null, 1)}\n`;
  const file = path.join(here, 'statements.json');
  if (values.check) {
    if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== out) {
      process.stderr.write('conformance/statements.json is out of date: run node conformance/extract.mjs\n');
      process.exit(1);
    }
  } else {
    fs.writeFileSync(file, out);
    const s = JSON.parse(out).statements;
    process.stdout.write(`${s.length} statements (${s.filter((x) => x.platform === 'linux').length} for Linux) -> ${file}\n`);
  }
}
