module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'account-directory',
  rootDir: __dirname,
};
