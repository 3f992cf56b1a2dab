// bench/query/duckdb.mjs - the DuckDB side of bench-query (see
// bench_query.c): builds the same trace table from the same formula, runs
// the same two queries with one thread, prints "duckdb q<N> <median wall
// ms> <median process CPU ms>"
// and writes each answer as sorted tab-separated lines next to tracetab's.
//
// usage: node duckdb.mjs NROWS BASE_NS OUTDIR RUNS
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';

const [nrows, base, outdir, runs] = process.argv.slice(2);
const lo = BigInt(base) + 2000000000n, hi = BigInt(base) + 7000000000n;
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
await con.run('SET threads=1');
await con.run(`CREATE TABLE trace AS
  SELECT ${base}::BIGINT + i * 1000 AS time_,
         ((h // 13) % 30000)::BIGINT AS pid,
         'comm' || (h % 200) AS comm,
         '10.' || (((h // 200) % 1000) // 256) || '.' || (((h // 200) % 1000) % 256) || '.1' AS src_ip,
         '172.' || (((h // 200000) % 1000) // 256) || '.' || (((h // 200000) % 1000) % 256) || '.9' AS dst_ip,
         ((h // 7) % 100000)::UBIGINT AS value
  FROM (SELECT i, (i * 2654435761) % 4294967291 AS h FROM range(${nrows}) r(i))`);
const queries = [
  `SELECT src_ip, comm, count(*) AS n FROM trace
   WHERE time_ BETWEEN ${lo} AND ${hi} GROUP BY src_ip, comm`,
  `SELECT dst_ip, quantile_disc(value, 0.99) AS p99 FROM trace GROUP BY dst_ip`,
];
for (let q = 0; q < queries.length; q++) {
  const times = [], cpus = [];
  let reader;
  for (let k = 0; k < Number(runs); k++) {
    const t0 = process.hrtime.bigint(), c0 = process.cpuUsage();
    reader = await con.runAndReadAll(queries[q]);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const c = process.cpuUsage(c0);
    cpus.push((c.user + c.system) / 1e3);
  }
  times.sort((a, b) => a - b);
  cpus.sort((a, b) => a - b);
  const lines = reader.getRows().map((r) => r.map(String).join('\t'));
  lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  writeFileSync(`${outdir}/duck_q${q + 1}.tsv`, lines.join('\n') + '\n');
  const mid = Math.floor(times.length / 2);
  console.log(`duckdb q${q + 1} ${times[mid].toFixed(1)} ${cpus[mid].toFixed(1)}`);
}
