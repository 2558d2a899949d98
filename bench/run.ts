/**
 * `npm run bench`: one table per flow. Each flow is a module exporting a `BenchSection`; add yours to SECTIONS.
 * Results are ratios against a baseline measured in the same run (absolute times depend on the machine), never
 * assertions: a benchmark informs a decision (memory size, an algorithm), a test guards behaviour.
 */
import { thumbnailsBench } from './thumbnails';

export interface BenchRow {
  [column: string]: string | number;
}

export interface BenchSection {
  name: string;
  /** What the rows measure and against which baseline. */
  description: string;
  run(): Promise<BenchRow[]>;
}

const SECTIONS: BenchSection[] = [thumbnailsBench];

function printTable(rows: BenchRow[]): void {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))];
  const cell = (value: string | number | undefined) => (value === undefined ? '' : String(value));
  const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => cell(row[column]).length)));
  const line = (values: string[]) => `| ${values.map((value, i) => value.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(columns));
  console.log(`| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`);
  for (const row of rows) console.log(line(columns.map((column) => cell(row[column]))));
}

async function main(): Promise<void> {
  const only = process.argv[2];
  for (const section of SECTIONS.filter((s) => only === undefined || s.name === only)) {
    console.log(`\n## ${section.name}\n\n${section.description}\n`);
    printTable(await section.run());
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
