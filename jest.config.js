/** Unit specs beside the code (src/**\/*.spec.ts) and e2e suites in test/ (*.e2e-spec.ts, *.browser-spec.ts). */
module.exports = {
  testEnvironment: 'node',
  rootDir: '.',
  testRegex: '(src/.*\\.spec\\.ts|test/.*\\.(e2e|browser)-spec\\.ts)$',
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true, tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testTimeout: 30000,
  maxWorkers: 2,
};
