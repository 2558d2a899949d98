// A module whose top level takes a while (a big bundle on a busy machine): Init, not Invoke.
/* global exports, process */
'use strict';
const until = Date.now() + Number(process.env.INIT_BUSY_MS ?? 0);
while (Date.now() < until) {
  // busy, as a module load is
}
exports.handler = async () => ({ statusCode: 200, body: 'loaded' });
