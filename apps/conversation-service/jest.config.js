module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'conversation-service',
  rootDir: __dirname,
};
