/**
 * `npm run bench`: one section per flow (bench/<flow>.ts), each measured against a baseline taken in the same run
 * and printed as a table. Not a test: numbers depend on the machine; the ratios are what to compare.
 */
import { analyticsBench } from './analytics';
import { coldstartBench } from './coldstart';
import { releasesBench } from './releases';
import { thumbnailsBench } from './thumbnails';
import { signingBench } from './signing';
import { welcomeBench } from './welcome';

export interface BenchTable {
  title: string;
  headers: string[];
  rows: (string | number)[][];
  notes?: string[];
}

/** A section prints one table, or several when it measures more than one thing (releases: publish, downloads, origin). */
const sections: { name: string; run: () => Promise<BenchTable | BenchTable[]> }[] = [
  { name: 'welcome', run: welcomeBench },
  { name: 'thumbnails', run: thumbnailsBench },
  { name: 'signing', run: signingBench },
  { name: 'coldstart', run: coldstartBench },
  { name: 'analytics', run: analyticsBench },
  { name: 'releases', run: releasesBench },
];

function print(table: BenchTable): void {
  const cells = [table.headers, ...table.rows.map((row) => row.map(String))];
  const widths = table.headers.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: string[]) => row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ');
  console.log(`\n${table.title}\n`);
  console.log(line(table.headers));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of cells.slice(1)) console.log(line(row));
  for (const note of table.notes ?? []) console.log(`  ${note}`);
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const section of sections) {
    if (only.length > 0 && !only.includes(section.name)) continue;
    const tables = await section.run();
    for (const table of Array.isArray(tables) ? tables : [tables]) print(table);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
