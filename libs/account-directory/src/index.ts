export * from './account-state';
export * from './account.orm-entity';
export * from './account-directory-feed';
