import { randomBytes } from 'node:crypto';

/** Who a request is, as the apiserver's authenticators report it (user.Info). */
export interface UserInfo {
  username: string;
  groups: readonly string[];
}

/** The cluster-admin identity: member of system:masters, which the authorizer lets do anything. */
export const ADMIN_USER: UserInfo = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };

/** The identity a ServiceAccount's token authenticates as. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    username: `system:serviceaccount:${namespace}:${name}`,
    groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'],
  };
}

/** Parses system:serviceaccount:NS:NAME; undefined for any other user name. */
export function serviceAccountOf(username: string): { namespace: string; name: string } | undefined {
  const m = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(username);
  return m ? { namespace: m[1] as string, name: m[2] as string } : undefined;
}

/**
 * Static bearer tokens (the apiserver's --token-auth-file, in memory). Tokens never expire;
 * revoke() removes one.
 */
export class TokenRegistry {
  private readonly tokens = new Map<string, UserInfo>();

  issue(user: UserInfo): string {
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, { username: user.username, groups: [...user.groups] });
    return token;
  }

  revoke(token: string): boolean {
    return this.tokens.delete(token);
  }

  authenticate(token: string): UserInfo | undefined {
    return this.tokens.get(token);
  }
}

/** The bearer token of an Authorization header; undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}
