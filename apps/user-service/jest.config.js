module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'user-service',
  rootDir: __dirname,
};
