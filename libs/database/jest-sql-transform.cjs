// Jest's stand-in for esbuild's text loader: a .sql file imports as its text, as it does in the bundle.
module.exports = {
  process(source) {
    return { code: `module.exports = ${JSON.stringify(source)};` };
  },
};
