import { markSecretAnswer, parseOrThrow, UnauthorizedError } from '@storefleet/shared';
import type { GraphqlContext, GraphqlContribution } from '../../kernel/module-contract.js';
import {
  clearCustomerCookie,
  codeBody,
  emailBody,
  profileBody,
  resetBody,
  setCustomerCookie,
  signInBody,
  signUpBody,
} from './routes.js';
import type { AccountService } from './service.js';
import type { SignedIn } from './types.js';

const typeDefs = /* GraphQL */ `
  type AuthPayload {
    token: String!
    expiresAt: String!
    account: Account!
  }
  type Account {
    customerId: ID!
    email: String
    name: String!
    phone: String
    preferredStoreId: ID
    guest: Boolean!
    loyaltyCard: String
  }
  extend type Query {
    "The signed-in customer's account; null for anyone else."
    me: Account
  }
  extend type Mutation {
    signUp(email: String!, password: String!, name: String!): AuthPayload!
    signIn(email: String!, password: String!, guestToken: String): AuthPayload!
    "True whether or not the e-mail is a customer's (no account enumeration)."
    requestSignInCode(email: String!): Boolean!
    signInWithCode(email: String!, code: String!, guestToken: String): AuthPayload!
    startGuestSession: AuthPayload!
    signOut: Boolean!
    signOutEverywhere: Boolean!
    "True whether or not the e-mail is a customer's."
    requestPasswordReset(email: String!): Boolean!
    "Ends every session of the account."
    resetPassword(token: String!, password: String!): Boolean!
    updateProfile(name: String, phone: String, preferredStoreId: ID): Account!
  }
`;

const address = (ctx: GraphqlContext) => ctx.req?.ip ?? ctx.req?.socket.remoteAddress ?? 'unknown';
/** GraphQL leaves out an argument it was not given, and gives null for an explicit null: both mean "not given". */
const given = (args: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined && v !== null));

const customer = (ctx: GraphqlContext) => {
  if (!ctx.customer)
    throw new UnauthorizedError('sign in as a customer: a customer session token or cookie is required');
  return ctx.customer;
};

/**
 * A sign-in's answer: the token (apps) and, over HTTP, the same cookie REST sets (the web page). Marked secret as REST's
 * is, so an Idempotency-Key never keeps the live `sfc_` token in `idempotency_keys`: a retry is told the first request
 * succeeded and its token was shown once (409), as a REST sign-in's retry is.
 */
function signedIn(ctx: GraphqlContext, s: SignedIn): SignedIn {
  if (ctx.res) {
    markSecretAnswer(ctx.res);
    setCustomerCookie(ctx.res, ctx.req?.secure ?? false, s);
  }
  return s;
}

/** The accounts' part of `/graphql` (issue #26): the same rules and limits as `/api/account`, one service. */
export function accountsGraphql(accounts: AccountService): GraphqlContribution {
  return {
    typeDefs,
    resolvers: {
      Query: {
        me: (_: unknown, __: unknown, ctx: GraphqlContext) =>
          ctx.customer ? accounts.view(ctx.customer.customerId) : null,
      },
      Mutation: {
        signUp: async (_: unknown, args: Record<string, unknown>, ctx: GraphqlContext) =>
          signedIn(
            ctx,
            await accounts.signUp(parseOrThrow(signUpBody, given(args), 'sign-up'), address(ctx), ctx.customer),
          ),
        signIn: async (_: unknown, args: Record<string, unknown>, ctx: GraphqlContext) =>
          signedIn(
            ctx,
            await accounts.signIn(parseOrThrow(signInBody, given(args), 'sign-in'), address(ctx), ctx.customer),
          ),
        requestSignInCode: async (_: unknown, args: Record<string, unknown>, ctx: GraphqlContext) => {
          await accounts.requestCode(parseOrThrow(emailBody, given(args), 'sign-in code request').email, address(ctx));
          return true;
        },
        signInWithCode: async (_: unknown, args: Record<string, unknown>, ctx: GraphqlContext) =>
          signedIn(
            ctx,
            await accounts.verifyCode(parseOrThrow(codeBody, given(args), 'sign-in code'), address(ctx), ctx.customer),
          ),
        startGuestSession: async (_: unknown, __: unknown, ctx: GraphqlContext) =>
          signedIn(ctx, await accounts.guest(address(ctx))),
        signOut: async (_: unknown, __: unknown, ctx: GraphqlContext) => {
          await accounts.signOut(customer(ctx));
          if (ctx.res) clearCustomerCookie(ctx.res, ctx.req?.secure ?? false);
          return true;
        },
        signOutEverywhere: async (_: unknown, __: unknown, ctx: GraphqlContext) => {
          await accounts.signOutEverywhere(customer(ctx).customerId);
          if (ctx.res) clearCustomerCookie(ctx.res, ctx.req?.secure ?? false);
          return true;
        },
        requestPasswordReset: async (_: unknown, args: Record<string, unknown>, ctx: GraphqlContext) => {
          await accounts.requestReset(
            parseOrThrow(emailBody, given(args), 'password reset request').email,
            address(ctx),
          );
          return true;
        },
        resetPassword: async (_: unknown, args: Record<string, unknown>) => {
          const { token, password } = parseOrThrow(resetBody, given(args), 'password reset');
          await accounts.confirmReset(token, password);
          return true;
        },
        updateProfile: async (_: unknown, args: Record<string, unknown>, ctx: GraphqlContext) => {
          const me = customer(ctx);
          // Here an explicit null clears a phone or a preferred store, as in REST's PATCH.
          const change = Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined));
          return accounts.update(me.customerId, parseOrThrow(profileBody, change, 'profile change'));
        },
      },
    },
  };
}
