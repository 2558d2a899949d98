/** The report queries are bundled as text (esbuild's `text` loader for .sql, serverless.yml custom.esbuild.loader). */
declare module '*.sql' {
  const text: string;
  export default text;
}
