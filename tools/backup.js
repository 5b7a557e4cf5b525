// Backs up and restores the services' Postgres schemas, each on its own, with pg_dump/pg_restore.
// See docs/backup.md. Usage: node tools/backup.js --help
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

/** Every service's schema, in the order `--all` takes them. */
const SERVICE_SCHEMAS = ['users', 'requests', 'conversations', 'notifications'];
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const ARCHIVE_SUFFIX = '.dump';

/** Exit codes: documented in docs/backup.md and in --help. */
const EXIT = { ok: 0, failed: 1, usage: 2, refused: 3 };

const USAGE = `Backs up and restores AJLA's Postgres schemas, one file per schema (pg_dump custom format).

  node tools/backup.js backup  --schema <name> --out <file>      [--database-url <url>]
  node tools/backup.js backup  --all --out-dir <dir>             [--database-url <url>]
  node tools/backup.js restore --in <file> [--schema <name>]     [--database-url <url>] [--force] [--keep-owners]
  node tools/backup.js restore --all --in-dir <dir>              [--database-url <url>] [--force] [--keep-owners]
  node tools/backup.js inspect --in <file>

  --schema        users | requests | conversations | notifications (restore: read from the file when omitted)
  --all           every service schema: <dir>/<schema>${ARCHIVE_SUFFIX}, one file each; a backup takes
                  them all from one snapshot of the database
  --database-url  default: DATABASE_URL; the password is never printed
  --force         restore over a schema that holds objects: it is dropped first, in the same
                  transaction as the restore (a failed restore leaves it as it was)
  --keep-owners   restore the objects' owners and grants as dumped (the roles must exist);
                  default: the connecting role owns what it restores

Exit codes: 0 done, 1 failed, 2 wrong usage, 3 refused (a schema to restore is not empty; --force).
Postgres client tools: PG_BIN_DIR, else the PATH; pg_dump must be at least the server's major version.`;

class UsageError extends Error {}
class Refused extends Error {}

function parseArgs(argv) {
  const [command, ...rest] = argv;
  const flags = new Set(['all', 'force', 'keep-owners', 'help']);
  const valued = new Set(['schema', 'out', 'out-dir', 'in', 'in-dir', 'database-url']);
  const options = { command };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new UsageError(`unexpected argument "${arg}"`);
    const [, name, inline] = match;
    if (flags.has(name)) {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
    } else if (valued.has(name)) {
      const value = inline ?? rest[++i];
      if (value === undefined || value === '') throw new UsageError(`--${name} needs a value`);
      options[name] = value;
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return options;
}

function checkSchemaName(schema) {
  if (!SCHEMA_NAME.test(schema)) throw new UsageError(`invalid schema name "${schema}"`);
  return schema;
}

// --- connection ---------------------------------------------------------------------------------

/** The database to work on; its password goes to the tools through PGPASSWORD, never argv. */
function connectionOf(options) {
  const raw = options['database-url'] ?? process.env.DATABASE_URL;
  if (!raw) throw new UsageError('no database: pass --database-url or set DATABASE_URL');
  let url;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError('the database URL is not a URL (postgres://user:password@host:port/db)');
  }
  if (!/^postgres(ql)?:$/.test(url.protocol)) {
    throw new UsageError(`the database URL must start with postgres://, not ${url.protocol}//`);
  }
  const password = decodeURIComponent(url.password);
  const withoutPassword = new URL(url);
  withoutPassword.password = '';
  const shown = new URL(url);
  if (shown.password) shown.password = '***';
  return {
    /** For the pg client (in memory only). */
    url: url.toString(),
    /** For pg_dump/pg_restore/psql's --dbname: libpq reads the password from PGPASSWORD. */
    toolUrl: withoutPassword.toString(),
    /** For messages. */
    shown: shown.toString(),
    env: password ? { PGPASSWORD: password } : {},
  };
}

async function withClient(connection, fn) {
  const client = new Client({ connectionString: connection.url, application_name: 'ajla-backup' });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(`cannot connect to ${connection.shown}: ${error.message}`, { cause: error });
  }
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** What the schema holds: relations (tables, sequences, views), functions, types of its own. */
async function schemaState(client, schema) {
  const { rows } = await client.query(
    `SELECT n.oid IS NOT NULL AS exists,
            (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid)::int AS relations,
            (SELECT count(*) FROM pg_class c WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p'))::int AS tables,
            (SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid)::int AS functions,
            (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid AND t.typrelid = 0
               AND t.typelem = 0)::int AS types
       FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = $1`,
    [schema],
  );
  const row = rows[0];
  return {
    exists: row.exists === true,
    tables: row.tables ?? 0,
    objects: (row.relations ?? 0) + (row.functions ?? 0) + (row.types ?? 0),
  };
}

async function migrationsCount(client, schema) {
  const { rows } = await client.query(
    `SELECT to_regclass(format('%I.migrations', $1::text)) IS NOT NULL AS present`,
    [schema],
  );
  if (!rows[0].present) return undefined;
  const counted = await client.query(`SELECT count(*)::int AS n FROM "${schema}".migrations`);
  return counted.rows[0].n;
}

// --- the Postgres client tools ------------------------------------------------------------------

function tool(name) {
  return process.env.PG_BIN_DIR ? path.join(process.env.PG_BIN_DIR, name) : name;
}

/** Runs a tool; resolves to its stdout; rejects with its stderr (which never holds the password). */
function run(name, args, connection, { stdin } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(tool(name), args, {
      env: { ...process.env, ...(connection?.env ?? {}) },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', (error) =>
      reject(
        new Error(
          error.code === 'ENOENT'
            ? `${name} not found: install the Postgres client tools (Debian: postgresql-client) or set PG_BIN_DIR`
            : `${name}: ${error.message}`,
        ),
      ),
    );
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out).toString('utf8'));
      else
        reject(
          new Error(`${name} failed (${code}): ${Buffer.concat(err).toString('utf8').trim()}`),
        );
    });
    if (stdin !== undefined) child.stdin.end(stdin);
  });
}

async function toolMajor(name) {
  const text = await run(name, ['--version']);
  const match = /\(PostgreSQL\)\s+(\d+)/.exec(text);
  if (!match) throw new Error(`cannot read the version of ${name} from "${text.trim()}"`);
  return Number(match[1]);
}

/** pg_dump refuses a newer server anyway; say it plainly, with the way out. */
async function checkDumpVersion(client) {
  const [{ server_version_num }] = (await client.query('SHOW server_version_num')).rows;
  const server = Math.floor(Number(server_version_num) / 10000);
  const dump = await toolMajor('pg_dump');
  if (dump < server) {
    throw new Error(
      `pg_dump ${dump} cannot dump a Postgres ${server} server: install postgresql-client-${server} and set PG_BIN_DIR (e.g. /usr/lib/postgresql/${server}/bin)`,
    );
  }
}

// --- backup -------------------------------------------------------------------------------------

async function backupOne(client, connection, schema, file, snapshot) {
  const state = await schemaState(client, schema);
  if (!state.exists) throw new Error(`schema "${schema}" does not exist in ${connection.shown}`);
  const migrations = await migrationsCount(client, schema);
  if (migrations === undefined) {
    console.warn(`warning: schema "${schema}" has no migrations table; is it a service's schema?`);
  }
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  // Written aside, then renamed: a file with the final name is always a complete archive.
  const partial = `${file}.partial`;
  fs.rmSync(partial, { force: true });
  const args = [
    '--format=custom',
    `--schema=${schema}`,
    '--strict-names',
    // Owners and grants are kept in the archive; restore decides whether to apply them.
    `--file=${partial}`,
    `--dbname=${connection.toolUrl}`,
  ];
  if (snapshot) args.push(`--snapshot=${snapshot}`);
  try {
    await run('pg_dump', args, connection);
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  const { size } = fs.statSync(file);
  console.log(
    `backed up schema ${schema} (${state.tables} tables, ${migrations ?? 0} migrations) to ${file} (${formatBytes(size)})`,
  );
}

async function backup(options) {
  const connection = connectionOf(options);
  if (options.all) {
    if (options.schema || options.out)
      throw new UsageError('--all takes --out-dir, not --schema/--out');
    if (!options['out-dir']) throw new UsageError('backup --all needs --out-dir <dir>');
  } else {
    if (!options.schema) throw new UsageError('backup needs --schema <name> (or --all)');
    if (!options.out) throw new UsageError('backup needs --out <file>');
    checkSchemaName(options.schema);
  }
  // The archives hold password hashes, refresh-token hashes and webhook secrets: owner-only files.
  process.umask(0o077);
  await withClient(connection, async (client) => {
    await checkDumpVersion(client);
    if (!options.all) return backupOne(client, connection, options.schema, options.out);
    const dir = options['out-dir'];
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const present = [];
    for (const schema of SERVICE_SCHEMAS) {
      if ((await schemaState(client, schema)).exists) present.push(schema);
      else console.warn(`warning: schema "${schema}" does not exist here; skipped`);
    }
    if (present.length === 0) throw new Error(`no service schema in ${connection.shown}`);
    // One snapshot for every schema: the files agree with each other as of one moment (when the
    // services share this database), though each can still be restored on its own.
    const snapshotter = new Client({ connectionString: connection.url });
    await snapshotter.connect();
    try {
      await snapshotter.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const [{ snapshot }] = (await snapshotter.query('SELECT pg_export_snapshot() AS snapshot'))
        .rows;
      for (const schema of present) {
        await backupOne(
          client,
          connection,
          schema,
          path.join(dir, schema + ARCHIVE_SUFFIX),
          snapshot,
        );
      }
      await snapshotter.query('COMMIT');
    } finally {
      await snapshotter.end().catch(() => undefined);
    }
  });
}

// --- restore ------------------------------------------------------------------------------------

/** The archive's table of contents: which schema it holds, when and from what it was dumped. */
async function readArchive(file) {
  if (!fs.existsSync(file)) throw new Error(`${file} does not exist`);
  let toc;
  try {
    toc = await run('pg_restore', ['--list', file]);
  } catch (error) {
    throw new Error(`${file} is not a pg_dump custom-format archive (${error.message})`, {
      cause: error,
    });
  }
  const lines = toc.split('\n');
  const schemaLines = lines.filter((line) => /^\d+; \d+ \d+ SCHEMA - \S+ /.test(line));
  const schemas = schemaLines.map((line) => /SCHEMA - (\S+) /.exec(line)[1]);
  const header = (pattern) =>
    lines.map((line) => pattern.exec(line)?.[1]?.trim()).find((value) => value !== undefined);
  if (schemas.length !== 1) {
    throw new Error(
      `${file} holds ${schemas.length} schemas (${schemas.join(', ') || 'none'}); this tool restores archives of one schema`,
    );
  }
  return {
    file,
    schema: schemas[0],
    toc: lines,
    schemaLine: schemaLines[0],
    dumpedAt: header(/^; Archive created at (.+)$/),
    dumpedFrom: header(/^;\s+Dumped from database version: (.+)$/),
  };
}

/** Checks, then restores, every archive; nothing is restored unless every check passed. */
async function restoreArchives(archives, options) {
  const connection = connectionOf(options);
  await withClient(connection, async (client) => {
    const plans = [];
    for (const archive of archives) {
      const state = await schemaState(client, archive.schema);
      if (state.objects > 0 && !options.force) {
        throw new Refused(
          `refused: schema "${archive.schema}" in ${connection.shown} already holds ${state.tables} tables (${state.objects} objects); restoring over it would mix data. Pass --force to drop it first.`,
        );
      }
      plans.push({ archive, state });
    }
    for (const { archive, state } of plans) {
      await restoreOne(connection, archive, state, options);
      const after = await schemaState(client, archive.schema);
      const migrations = await migrationsCount(client, archive.schema);
      console.log(
        `restored schema ${archive.schema} (${after.tables} tables, ${migrations ?? 0} migrations) from ${archive.file} (dumped ${archive.dumpedAt ?? 'at an unknown time'}) into ${connection.shown}`,
      );
    }
  });
}

/**
 * pg_restore writes the SQL, psql runs it in one transaction: the drop (--force) and the restore
 * commit together or not at all, and only when pg_restore read the whole archive. An existing empty schema is kept (with its owner and grants, as an
 * administrator may have made it for a role without CREATE on the database): only its objects
 * are restored.
 */
async function restoreOne(connection, archive, state, options) {
  const schema = archive.schema;
  const restoreArgs = ['--file=-'];
  if (!options['keep-owners']) restoreArgs.push('--no-owner', '--no-privileges');
  let prefix = '';
  let listFile;
  if (state.exists && state.objects > 0) {
    prefix = `DROP SCHEMA "${schema}" CASCADE;\n`;
    console.log(
      `--force: schema ${schema} (${state.tables} tables) is dropped and replaced in the restore's transaction`,
    );
  } else if (state.exists) {
    listFile = path.join(
      fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'ajla-restore-')),
      'toc',
    );
    fs.writeFileSync(
      listFile,
      archive.toc.filter((line) => line !== archive.schemaLine).join('\n'),
    );
    restoreArgs.push(`--use-list=${listFile}`);
  }
  restoreArgs.push(archive.file);

  try {
    await new Promise((resolve, reject) => {
      const psql = spawn(
        tool('psql'),
        [
          '--no-psqlrc',
          '--quiet',
          '--set=ON_ERROR_STOP=1',
          // Errors without DETAIL or CONTEXT: those can quote a row (a COPY line, a key's value).
          '--set=VERBOSITY=terse',
          `--dbname=${connection.toolUrl}`,
        ],
        { env: { ...process.env, ...connection.env }, stdio: ['pipe', 'ignore', 'pipe'] },
      );
      const producer = spawn(tool('pg_restore'), restoreArgs, {
        env: process.env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const errors = { psql: [], pg_restore: [] };
      psql.stderr.on('data', (chunk) => errors.psql.push(chunk));
      producer.stderr.on('data', (chunk) => errors.pg_restore.push(chunk));
      let pending = 2;
      const codes = {};
      const failed = (name, error) =>
        reject(
          new Error(
            error.code === 'ENOENT'
              ? `${name} not found: install the Postgres client tools or set PG_BIN_DIR`
              : `${name}: ${error.message}`,
          ),
        );
      psql.on('error', (error) => failed('psql', error));
      producer.on('error', (error) => failed('pg_restore', error));
      const done = (name) => (code) => {
        codes[name] = code;
        if (--pending > 0) return;
        if (codes.psql === 0 && codes.pg_restore === 0) return resolve();
        const text = (name) => Buffer.concat(errors[name]).toString('utf8').trim();
        const hint = /permission denied for database/.test(text('psql'))
          ? ` (this role may not create schema ${schema}: have an administrator create it, owned by this role, then restore again)`
          : '';
        reject(
          new Error(
            `restore of schema ${schema} failed and was rolled back: ${[text('psql'), text('pg_restore')].filter(Boolean).join('; ') || `exit codes ${JSON.stringify(codes)}`}${hint}`,
          ),
        );
      };
      psql.on('close', done('psql'));
      psql.stdin.on('error', () => undefined); // psql stopped at an error: its message says why
      // COMMIT only once pg_restore has written the whole archive: a truncated or unreadable
      // archive ends psql's input inside the transaction, and Postgres rolls it back.
      psql.stdin.write(`BEGIN;\nSET LOCAL client_min_messages = warning;\n${prefix}`);
      producer.stdout.pipe(psql.stdin, { end: false });
      producer.on('close', (code) => {
        psql.stdin.end(code === 0 ? 'COMMIT;\n' : undefined);
        done('pg_restore')(code);
      });
    });
  } finally {
    if (listFile) fs.rmSync(path.dirname(listFile), { recursive: true, force: true });
  }
}

async function restore(options) {
  if (options.all) {
    if (options.in || options.schema)
      throw new UsageError('--all takes --in-dir, not --in/--schema');
    const dir = options['in-dir'];
    if (!dir) throw new UsageError('restore --all needs --in-dir <dir>');
    const files = SERVICE_SCHEMAS.map((s) => path.join(dir, s + ARCHIVE_SUFFIX)).filter((f) =>
      fs.existsSync(f),
    );
    if (files.length === 0) throw new Error(`no <schema>${ARCHIVE_SUFFIX} archive in ${dir}`);
    const archives = [];
    for (const file of files) {
      const archive = await readArchive(file);
      const expected = path.basename(file, ARCHIVE_SUFFIX);
      if (archive.schema !== expected)
        throw new Error(`${file} holds schema "${archive.schema}", not "${expected}"`);
      archives.push(archive);
    }
    return restoreArchives(archives, options);
  }
  if (!options.in) throw new UsageError('restore needs --in <file> (or --all --in-dir <dir>)');
  const archive = await readArchive(options.in);
  if (options.schema && checkSchemaName(options.schema) !== archive.schema) {
    throw new UsageError(
      `${options.in} holds schema "${archive.schema}", not "${options.schema}" (a schema is restored under its own name)`,
    );
  }
  return restoreArchives([archive], options);
}

async function inspect(options) {
  if (!options.in) throw new UsageError('inspect needs --in <file>');
  const archive = await readArchive(options.in);
  const tables = archive.toc.filter((line) => / TABLE DATA /.test(line)).length;
  console.log(
    `schema ${archive.schema}: ${tables} tables with data, dumped ${archive.dumpedAt} from Postgres ${archive.dumpedFrom}`,
  );
}

function formatBytes(n) {
  return n < 1024
    ? `${n} B`
    : n < 1024 ** 2
      ? `${(n / 1024).toFixed(1)} kB`
      : `${(n / 1024 ** 2).toFixed(1)} MB`;
}

async function main(argv) {
  const options = parseArgs(argv);
  if (options.help || options.command === 'help' || options.command === '--help') {
    console.log(USAGE);
    return;
  }
  const commands = { backup, restore, inspect };
  const command = commands[options.command];
  if (!command) throw new UsageError(`unknown command "${options.command ?? ''}"`);
  await command(options);
}

main(process.argv.slice(2)).then(
  () => process.exit(EXIT.ok),
  (error) => {
    if (error instanceof UsageError) {
      console.error(`backup: ${error.message}\n\n${USAGE}`);
      process.exit(EXIT.usage);
    }
    console.error(`backup: ${error.message}`);
    process.exit(error instanceof Refused ? EXIT.refused : EXIT.failed);
  },
);
