// Handlers for test/unit/lambda-worker.test.ts: each misbehaves the way a real function can.
/* global exports, setImmediate, setTimeout */
'use strict';
exports.ok = async (event) => ({ statusCode: 201, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ got: event.rawPath ?? null }) });
exports.plain = async () => ({ items: [1, 2] });
exports.nothing = async () => undefined;
exports.throws = async () => {
  throw new Error('database is down at /var/task/functions/lib/secret-path.js');
};
exports.hangsOnce = async (event) => {
  if (event.hang) await new Promise(() => undefined);
  return { statusCode: 200, body: 'fresh' };
};
exports.crashes = async () => {
  setImmediate(() => {
    throw new Error('uncaught in a callback');
  });
  await new Promise(() => undefined);
};
exports.returns = async (event) => event.response;
exports.unserialisable = async () => ({ statusCode: 200, body: 'x', toString: () => 'x' });
exports.slow = async (event) => {
  await new Promise((resolve) => setTimeout(resolve, event.ms));
  return { statusCode: 200, body: `slept ${event.ms} ms` };
};
