/**
 * Jest on Node < 24.9 cannot require() ES modules, and NestJS 12 and several of its dependencies
 * ship only ESM. This transform turns such files into CommonJS for the test runtime, and leaves
 * every other file as it is: TypeScript's transpiler rewrites import/export and import(), and
 * `import.meta.url` (only used for createRequire) becomes the file's URL.
 */
const { createHash } = require('node:crypto');
const ts = require('typescript');

const VERSION = '2';
const ESM_SYNTAX = /^\s*(import\s*[\w{*'"]|export\s+[\w{*])|\bimport\s*\(|\bimport\.meta\b/m;

module.exports = {
  process(source, filename) {
    if (!ESM_SYNTAX.test(source)) return { code: source };
    const patched = source
      // CommonJS already has `require`; redeclaring it is a SyntaxError.
      .replace(/^\s*const require = createRequire\(import\.meta\.url\);?\s*$/gm, '')
      .replace(/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href");
    const { outputText } = ts.transpileModule(patched, {
      fileName: filename.replace(/\.[mc]js$/, '.js'),
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        allowJs: true,
        esModuleInterop: true,
        sourceMap: false,
      },
    });
    return { code: outputText };
  },

  getCacheKey(source, filename) {
    return createHash('sha256').update(VERSION).update(ts.version).update(filename).update(source).digest('hex');
  },
};
