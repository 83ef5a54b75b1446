// Lint Cypher with Neo4j's own Cypher front end (@neo4j-cypher/language-support).
//
// stdin:  a JSON list of query texts, or {"queries": [...], "schema": {...}} where schema is a
//         DbSchema (labels, relationshipTypes, propertyKeys, parameters) of the language support.
//         A query text may hold several statements and cypher-shell commands (:param ...).
// stdout: a JSON list, one entry per query: {"query": i, "diagnostics": [{"severity",
//         "message", "line", "character"}]} with severity "error", "warning", "info" or "hint".
// Exit status 0 whatever the diagnostics (the caller decides); 2 on bad input.
import { lintCypherQuery } from '@neo4j-cypher/language-support';

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' };

function readStdin() {
  return new Promise((resolve, reject) => {
    const chunks = [];
    process.stdin.on('data', (chunk) => chunks.push(chunk));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

const text = await readStdin();
let input;
try {
  input = JSON.parse(text);
} catch (err) {
  process.stderr.write(`lint.mjs: stdin is not JSON: ${err.message}\n`);
  process.exit(2);
}
const queries = Array.isArray(input) ? input : input.queries;
const schema = (Array.isArray(input) ? {} : input.schema) ?? {};
if (!Array.isArray(queries) || queries.some((q) => typeof q !== 'string')) {
  process.stderr.write('lint.mjs: expected a list of strings or {"queries": [...]}\n');
  process.exit(2);
}
const out = queries.map((query, index) => {
  const { diagnostics } = lintCypherQuery(query, schema, { consoleCommandsEnabled: true });
  return {
    query: index,
    diagnostics: diagnostics.map((d) => ({
      severity: SEVERITY[d.severity] ?? String(d.severity),
      message: d.message,
      line: d.range.start.line + 1,
      character: d.range.start.character + 1,
    })),
  };
});
process.stdout.write(JSON.stringify(out) + '\n');
