/**
 * `npm run bench`: one table per flow. Each flow module (bench/<flow>.ts) exports a `BenchSection` whose rows are
 * measured in the same run as its baseline and reported as ratios to it — never as absolute pass/fail timings.
 * Add a flow: write bench/<flow>.ts exporting `section`, and list it in SECTIONS.
 */
import { section as signing } from './signing';

export interface BenchRow {
  name: string;
  /** Median microseconds per operation. */
  micros: number;
  /** The row all others are divided by. */
  baseline?: boolean;
  note?: string;
}

export interface BenchSection {
  title: string;
  run(): Promise<BenchRow[]>;
}

const SECTIONS: BenchSection[] = [signing];

function printTable(title: string, rows: BenchRow[]): void {
  const base = rows.find((row) => row.baseline)?.micros;
  console.log(`\n## ${title}\n`);
  console.log('| case | median µs/op | × baseline | note |');
  console.log('| --- | ---: | ---: | --- |');
  for (const row of rows) {
    const ratio = base === undefined ? '—' : `${(row.micros / base).toFixed(2)}×`;
    console.log(`| ${row.name}${row.baseline ? ' (baseline)' : ''} | ${row.micros.toFixed(1)} | ${ratio} | ${row.note ?? ''} |`);
  }
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const section of SECTIONS) {
    if (only.length > 0 && !only.some((name) => section.title.toLowerCase().includes(name.toLowerCase()))) continue;
    printTable(section.title, await section.run());
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
