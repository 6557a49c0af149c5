export { AuthService, type AuthSettings, type NewUser } from './auth-service.js';
export { AuthRepository, type User } from './auth-repository.js';
export { StoreTokens } from './store-tokens.js';
export { authenticate, SESSION_COOKIE } from './authenticate.js';
export { authRoutes } from './routes.js';
export { hashSecret, verifySecret, newSecret } from './passwords.js';
export const authMigrations = new URL('./schema/', import.meta.url);
