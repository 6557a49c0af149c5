import type { StoreId } from '@storefleet/shared';
import type { StaffDirectory, StaffPerson } from '../kernel/ports/staff.js';
import type { AuthRepository, User } from './auth-repository.js';

const person = (u: User): StaffPerson => ({
  userId: u.id,
  name: u.name,
  email: u.email,
  role: u.role,
  storeId: u.storeId,
  disabled: u.disabled,
});

/** The console accounts as the staff module reads them (STAFF_DIRECTORY): never a password hash. */
export function staffDirectory(repo: AuthRepository): StaffDirectory {
  return {
    person: async (userId) => {
      const u = await repo.userById(userId);
      return u && person(u);
    },
    peopleOfStore: async (storeId: StoreId) => {
      const [associates, managers] = await Promise.all([
        repo.listUsers({ storeId, role: 'ASSOCIATE' }),
        repo.listUsers({ storeId, role: 'STORE_MANAGER' }),
      ]);
      return [...managers, ...associates].map(person);
    },
  };
}
