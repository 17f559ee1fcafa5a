/** Unit specs beside the code (src/**\/*.spec.ts) and e2e suites in test/ (*.e2e-spec.ts, *.browser-spec.ts). */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  testRegex: '(src/.*\\.spec\\.ts|test/.*\\.(e2e|browser)-spec\\.ts)$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }],
    // Some dependencies (oauth4webapi, cookie) are ESM-only; Jest needs CommonJS on Node < 24.9.
    // The transform converts only files with ESM syntax and returns the others untouched.
    '^.+\\.[mc]?js$': '<rootDir>/test/support/esm-to-cjs.transform.js',
  },
  transformIgnorePatterns: [],
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  maxWorkers: 2,
};
