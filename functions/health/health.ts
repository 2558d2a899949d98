export interface Health {
  status: 'ok';
  stage: string;
  version: string;
}

export function health(config: { stage: string; version: string }): Health {
  return { status: 'ok', stage: config.stage, version: config.version };
}
