/**
 * The local Athena as the stack starts it (a StandIn): its database, tables and workgroups read from the resolved
 * template — the AWS::Glue::Database and AWS::Glue::Table of resources/analytics.yml and the AWS::Athena::WorkGroup
 * of the reports' resources — so the definitions that deploy are the ones that run here; each table's files mirrored
 * from its S3 Location on the local S3 (s3-mirror.ts) into `<state>/athena/<table>`, refreshed before every query.
 * Every account has the workgroup `primary` (no output location, nothing enforced), so the local Athena has it too;
 * any workgroup the template does not define is refused, as Athena refuses it.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import path from 'node:path';
import { resources } from '../cloudformation';
import { resolve, type Lookup } from '../common/intrinsics';
import { localUrl } from '../ports';
import { resourcesOfType, type ServiceConfig } from '../service-config';
import type { StandIn } from '../stand-in';
import { startLocalAthena, type LocalAthena, type LocalWorkGroup } from './endpoint';
import { parseS3Location, s3Mirror, type S3Location } from './s3-mirror';
import type { GlueColumn, LocalTable } from './tables';

export interface AthenaDefinition {
  database: string;
  tables: (Omit<LocalTable, 'directory'> & { location: S3Location })[];
  workGroups: Record<string, LocalWorkGroup>;
}

interface GlueTableInput {
  Name?: unknown;
  PartitionKeys?: { Name?: unknown; Type?: unknown }[];
  StorageDescriptor?: { Location?: unknown; Columns?: { Name?: unknown; Type?: unknown }[] };
}

const columnsOf = (columns: { Name?: unknown; Type?: unknown }[] | undefined, where: string): GlueColumn[] =>
  (columns ?? []).map((column) => {
    if (typeof column.Name !== 'string' || typeof column.Type !== 'string') throw new Error(`${where}: a column without Name or Type`);
    return { name: column.Name, type: column.Type };
  });

/** What the stand-in needs, from the template; a definition it cannot follow stops the stack instead of guessing. */
export function athenaDefinition(config: ServiceConfig, lookup: Lookup): AthenaDefinition {
  const databases = resourcesOfType(config, 'AWS::Glue::Database').map(([, resource]) =>
    resolve((resource.Properties?.DatabaseInput as { Name?: unknown } | undefined)?.Name, lookup),
  );
  const [database, ...others] = databases;
  if (database === undefined || others.length > 0) throw new Error(`the local Athena serves one Glue database; the template has ${databases.length}`);

  const tables = resourcesOfType(config, 'AWS::Glue::Table').map(([id, resource]) => {
    const input = (resource.Properties?.TableInput ?? {}) as GlueTableInput;
    if (typeof input.Name !== 'string') throw new Error(`${id}: TableInput.Name must be a string`);
    return {
      name: input.Name,
      columns: columnsOf(input.StorageDescriptor?.Columns, id),
      partitionKeys: columnsOf(input.PartitionKeys, id),
      location: parseS3Location(resolve(input.StorageDescriptor?.Location, lookup)),
    };
  });

  const workGroups: Record<string, LocalWorkGroup> = { primary: { outputLocation: '', enforce: false } };
  for (const [id, resource] of resourcesOfType(config, 'AWS::Athena::WorkGroup')) {
    const properties = resource.Properties ?? {};
    const settings = (properties.WorkGroupConfiguration ?? {}) as {
      ResultConfiguration?: { OutputLocation?: unknown };
      BytesScannedCutoffPerQuery?: unknown;
      EnforceWorkGroupConfiguration?: unknown;
    };
    const output = settings.ResultConfiguration?.OutputLocation;
    const cutoff = settings.BytesScannedCutoffPerQuery === undefined ? undefined : Number(resolve(settings.BytesScannedCutoffPerQuery, lookup));
    if (cutoff !== undefined && !Number.isSafeInteger(cutoff)) throw new Error(`${id}: BytesScannedCutoffPerQuery is not a whole number`);
    const enforce = settings.EnforceWorkGroupConfiguration === undefined ? undefined : resolve(settings.EnforceWorkGroupConfiguration, lookup);
    const state = properties.State === undefined ? 'ENABLED' : resolve(properties.State, lookup);
    workGroups[resolve(properties.Name, lookup)] = {
      outputLocation: output === undefined ? '' : resolve(output, lookup),
      ...(cutoff === undefined ? {} : { bytesScannedCutoffPerQuery: cutoff }),
      ...(enforce === 'false' ? { enforce: false } : {}),
      ...(state === 'DISABLED' ? { enabled: false } : {}),
    };
  }
  return { database, tables, workGroups };
}

/** Starts the local Athena for the template's tables, reading their files from the local S3 through `s3`. */
export async function startAthenaFromConfig(options: {
  config: ServiceConfig;
  /** Names of the stack's resources (buckets by logical id) for Ref, GetAtt and Sub in the definitions. */
  lookup: Lookup;
  s3: S3Client;
  /** Where the tables' files are mirrored (emptied at start), e.g. .local/local/athena. */
  cacheDir: string;
  host: string;
  port: number;
}): Promise<LocalAthena> {
  const definition = athenaDefinition(options.config, options.lookup);
  const tables = definition.tables.map(({ location, ...table }) => ({ ...table, location, directory: path.join(options.cacheDir, table.name) }));
  const mirrors = tables.map((table) => s3Mirror({ s3: options.s3, location: table.location, directory: table.directory }));
  return startLocalAthena({
    host: options.host,
    port: options.port,
    database: definition.database,
    tables,
    workGroups: definition.workGroups,
    refresh: async () => {
      for (const mirror of mirrors) await mirror.refresh();
    },
  });
}

/** Athena for the stack: the endpoint functions reach through AWS_ENDPOINT_URL_ATHENA (the reports' queries). */
export const athena: StandIn = {
  name: 'athena',
  title: 'Starting Athena (DuckDB over the local S3)',
  row: { label: 'Athena', rank: 9 },
  env: (ports) => ({ AWS_ENDPOINT_URL_ATHENA: localUrl(ports.athena) }),
  async start(ctx) {
    const { lookup } = ctx.use(resources);
    const local = await startAthenaFromConfig({
      config: ctx.config,
      lookup,
      s3: ctx.clients.s3,
      cacheDir: path.join(ctx.dirs.state, 'athena'),
      host: ctx.host,
      port: ctx.ports.athena,
    });
    return { url: local.url, stop: () => local.close() };
  },
};
