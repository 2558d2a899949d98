/**
 * The scheduler's own little HTTP endpoint, for tests and developers (EventBridge has no such thing): `GET /rules`
 * lists the rules with their next run; `POST /rules/<name>/trigger` runs one now and answers once its delivery has
 * ended — `{"rule", "succeeded", "invocations"}` (a failed function counts its retries). Errors have the project's
 * shape: 404 `rule_not_found`, 409 `rule_disabled`, 404 `not_found`, 405 `method_not_allowed`.
 */
import type http from 'node:http';
import type { Scheduler } from './scheduler';

const reply = (res: http.ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const error = (res: http.ServerResponse, status: number, code: string, message: string) => reply(res, status, { error: { code, message } });

export function scheduleEndpoint(scheduler: Scheduler): http.RequestListener {
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://local').pathname;
    if (path === '/rules') {
      if (req.method !== 'GET') return error(res, 405, 'method_not_allowed', 'GET /rules');
      return reply(res, 200, { rules: scheduler.rules() });
    }
    const match = /^\/rules\/([^/]+)\/trigger$/.exec(path);
    if (!match) return error(res, 404, 'not_found', 'GET /rules or POST /rules/<name>/trigger');
    if (req.method !== 'POST') return error(res, 405, 'method_not_allowed', 'POST /rules/<name>/trigger');
    let name: string;
    try {
      name = decodeURIComponent(match[1]!);
    } catch {
      return error(res, 404, 'rule_not_found', 'no rule of that name');
    }
    const rule = scheduler.rules().find((candidate) => candidate.name === name);
    if (!rule) return error(res, 404, 'rule_not_found', `no rule named ${name}`);
    const delivery = scheduler.trigger(name);
    if (!delivery) return error(res, 409, 'rule_disabled', `${name} is disabled (or the scheduler is stopping)`);
    void delivery.then((result) => reply(res, 200, { rule: name, ...result }));
  };
}
