import { BaseServiceConfig } from '../config/base-service.config';
import { withDatabaseConfig } from '../config/database.config';
class A extends BaseServiceConfig {}
class B extends withDatabaseConfig(BaseServiceConfig) {}
test('x', () => {
  for (const C of [BaseServiceConfig, A, B]) {
    console.log(C.name, Reflect.getMetadata('design:type', C.prototype, 'PORT'), Reflect.getMetadata('design:type', C.prototype, 'DATABASE_POOL_SIZE'));
  }
});
