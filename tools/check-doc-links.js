// Checks the links of every Markdown file in the repository (node_modules, dist, tmp and the like
// left out), so that the documentation stands alone:
//
// - a relative link must name a file or folder that exists, inside the repository (a `../` that
//   climbs above the root fails), and an anchor into a Markdown file must name one of its headings;
// - an absolute path (`/work/...`, `/docs`) is not a file of the repository and fails;
// - no Markdown file may mention the team's design folder outside the repository (/work/shared);
// - in docs/, a link to another site (http:, https:, ...) fails too: docs/ must not send its reader
//   out of the repository.
//
// Links inside code (fenced blocks, `inline code`) are text, not links, and are not checked.
//
//   node tools/check-doc-links.js      # exit 0, or one line per broken link and exit 1 (npm run lint)
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'tmp', 'coverage', '.git', '.nx', '.keys']);
const SELF_CONTAINED = ['docs'];
const OUTSIDE_MENTION = /\/work\/shared\b/;

function markdownFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRS.has(entry.name)) found.push(...markdownFiles(path.join(dir, entry.name)));
    } else if (entry.isFile() && entry.name.toLowerCase().endsWith('.md')) {
      found.push(path.join(dir, entry.name));
    }
  }
  return found;
}

/** The file's lines with fenced code blocks blanked and inline code removed (links in code are text). */
function proseLines(text) {
  const lines = text.split('\n');
  let fence = null;
  return lines.map((line) => {
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (opening && opening[1][0] === fence[0] && opening[1].length >= fence.length) fence = null;
      return '';
    }
    if (opening) {
      fence = opening[1];
      return '';
    }
    return line.replace(/(`+)[^`]*?\1/g, '');
  });
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function headingAnchors(file) {
  const anchors = new Set();
  const seen = new Map();
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  let fence = null;
  for (const line of lines) {
    const opening = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (opening && opening[1][0] === fence[0] && opening[1].length >= fence.length) fence = null;
      continue;
    }
    if (opening) {
      fence = opening[1];
      continue;
    }
    const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!heading) continue;
    const base = heading[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every link target of one line: inline links and images, and reference definitions. */
function linkTargets(line) {
  const targets = [];
  const inline =
    /!?\[(?:[^\]\\]|\\.)*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
  for (const match of line.matchAll(inline)) targets.push(match[1]);
  const definition = /^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/.exec(line);
  if (definition) targets.push(definition[1]);
  return targets.map((target) => target.replace(/^<|>$/g, ''));
}

function check() {
  const problems = [];
  const anchorCache = new Map();
  const anchorsOf = (file) => {
    if (!anchorCache.has(file)) anchorCache.set(file, headingAnchors(file));
    return anchorCache.get(file);
  };
  const files = markdownFiles(root);
  for (const file of files) {
    const relativeFile = path.relative(root, file);
    const selfContained = SELF_CONTAINED.some(
      (dir) => relativeFile === dir || relativeFile.startsWith(dir + path.sep),
    );
    const text = fs.readFileSync(file, 'utf8');
    text.split('\n').forEach((rawLine, index) => {
      if (OUTSIDE_MENTION.test(rawLine)) {
        problems.push(
          `${relativeFile}:${index + 1}: mentions /work/shared, outside the repository`,
        );
      }
    });
    proseLines(text).forEach((line, index) => {
      const where = `${relativeFile}:${index + 1}`;
      for (const target of linkTargets(line)) {
        if (/^[a-z][a-z0-9+.-]*:/i.test(target)) {
          if (selfContained) problems.push(`${where}: ${target} leaves the repository`);
          continue;
        }
        const [pathPart, anchor] = splitAnchor(target);
        if (pathPart.startsWith('/')) {
          problems.push(`${where}: ${target} is an absolute path, not a file of the repository`);
          continue;
        }
        const resolved = pathPart ? path.resolve(path.dirname(file), pathPart) : file;
        const inside = path.relative(root, resolved);
        if (inside.startsWith('..') || path.isAbsolute(inside)) {
          problems.push(`${where}: ${target} points outside the repository`);
          continue;
        }
        if (!fs.existsSync(resolved)) {
          problems.push(`${where}: ${target} does not exist`);
          continue;
        }
        if (anchor && resolved.toLowerCase().endsWith('.md') && fs.statSync(resolved).isFile()) {
          if (!anchorsOf(resolved).has(anchor.toLowerCase())) {
            problems.push(`${where}: ${target}: no heading with that anchor`);
          }
        }
      }
    });
  }
  return { files: files.length, problems };
}

function splitAnchor(target) {
  const hash = target.indexOf('#');
  const withoutAnchor = hash === -1 ? target : target.slice(0, hash);
  const anchor = hash === -1 ? '' : target.slice(hash + 1);
  const withoutQuery = withoutAnchor.split('?')[0];
  let decoded = withoutQuery;
  try {
    decoded = decodeURIComponent(withoutQuery);
  } catch {
    // a malformed escape: checked as written
  }
  return [decoded, anchor];
}

module.exports = { headingAnchors };

if (require.main === module) {
  const { files, problems } = check();
  if (problems.length > 0) {
    for (const problem of problems) console.error(problem);
    console.error(`check-doc-links: ${problems.length} broken link(s) in ${files} Markdown files`);
    process.exit(1);
  }
  console.log(
    `check-doc-links: every link of ${files} Markdown files resolves inside the repository`,
  );
}
