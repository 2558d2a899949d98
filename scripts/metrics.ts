/**
 * `npm run metrics -- --stage local [--json]`: the functions' metric totals per flow since `npm start` started the
 * local stack (LOCAL_PORT_OFFSET picks which one), as it prints them on Ctrl-C, read from the stack's metrics endpoint
 * (scripts/local/metrics/). Any other stage's metrics are in CloudWatch: its dashboard is the answer, and this command
 * names it. Exit status 1 when there is nothing to show.
 */
import { MetricsUnavailable, metricsCommand } from './local/metrics/command';

metricsCommand(process.argv.slice(2)).then(
  (text) => console.log(text),
  (error: unknown) => {
    console.error(error instanceof MetricsUnavailable ? error.message : error);
    process.exitCode = 1;
  },
);
