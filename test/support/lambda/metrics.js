// A handler for test/unit/local/lambda/lambda-worker.test.ts that prints what functions print: an EMF line of
// Powertools Metrics (with its cold-start metric), a JSON log line and a plain one.
/* global exports, process, require, console */
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- a CommonJS handler, as serverless-offline loads it
const { Metrics } = require('@aws-lambda-powertools/metrics');

const metrics = new Metrics({
  namespace: 'serverless-blog',
  serviceName: 'serverless-blog',
  defaultDimensions: { stage: 'local' },
  functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
});

exports.handler = async () => {
  metrics.captureColdStartMetric();
  metrics.addMetric('WelcomeSent', 'Count', 1);
  metrics.publishStoredMetrics();
  console.log(JSON.stringify({ level: 'INFO', message: 'welcome sent' }));
  console.log('a plain line');
  return { done: true };
};
