// Creates the database named in a Postgres URL when it does not exist yet (idempotent).
// Usage: node tools/ensure-database.js postgres://user@host:5432/ajla
const { Client } = require('pg');

async function main() {
  const url = new URL(process.argv[2] ?? process.env.DATABASE_URL ?? '');
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`unexpected database name "${name}"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      await client.query(`CREATE DATABASE "${name}"`);
      console.log(`database ${name} created`);
    }
  } finally {
    await client.end();
  }
}

main().catch((err) => {
  console.error(`ensure-database: ${err.message}`);
  process.exit(1);
});
