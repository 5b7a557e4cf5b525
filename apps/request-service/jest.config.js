module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'request-service',
  rootDir: __dirname,
};
