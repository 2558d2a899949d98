/* global module */
// Jest transform for the report queries (functions/reports/sql/*.sql): the file's text as the default export, as
// esbuild's `text` loader bundles it.
module.exports = {
  process(sourceText) {
    return { code: `module.exports = { __esModule: true, default: ${JSON.stringify(sourceText)} };` };
  },
};
