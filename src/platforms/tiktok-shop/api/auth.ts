import { text, unixSeconds, type Json } from '../../payload.js';
import { TikTokApiError } from './errors.js';
import { callEnvelope, type HttpOptions } from './http.js';

/** Tokens as TikTok's token service issues them; `*_expire_in` there are Unix times, not durations. */
export interface TokenSet {
  readonly accessToken: string;
  readonly accessTokenExpiresAt: Date;
  readonly refreshToken: string;
  readonly refreshTokenExpiresAt: Date | null;
}

export interface AppCredentials {
  readonly appKey: string;
  readonly appSecret: string;
}

/** Exchanges an authorization code (from the seller's consent redirect) for tokens. */
export function exchangeAuthCode(
  authUrl: string,
  app: AppCredentials,
  code: string,
  options?: HttpOptions,
): Promise<TokenSet> {
  return tokenCall(
    authUrl,
    '/api/v2/token/get',
    { app_key: app.appKey, app_secret: app.appSecret, auth_code: code, grant_type: 'authorized_code' },
    'Get Access Token',
    options,
  );
}

/** Trades a refresh token for a new access token (and possibly a new refresh token). */
export function refreshAccessToken(
  authUrl: string,
  app: AppCredentials,
  refreshToken: string,
  options?: HttpOptions,
): Promise<TokenSet> {
  return tokenCall(
    authUrl,
    '/api/v2/token/refresh',
    { app_key: app.appKey, app_secret: app.appSecret, refresh_token: refreshToken, grant_type: 'refresh_token' },
    'Refresh Access Token',
    options,
  );
}

async function tokenCall(
  authUrl: string,
  path: string,
  query: Record<string, string>,
  what: string,
  options?: HttpOptions,
): Promise<TokenSet> {
  // TikTok's token service takes the app secret in the query; the URL is never logged or put in an error.
  const url = `${authUrl.replace(/\/+$/, '')}${path}?${new URLSearchParams(query).toString()}`;
  const data = await callEnvelope({ method: 'GET', url, headers: { accept: 'application/json' }, what }, options);
  return tokenSet(data, what);
}

function tokenSet(data: Json, what: string): TokenSet {
  const accessToken = text(data.access_token);
  const refreshToken = text(data.refresh_token);
  let expires: Date | undefined;
  let refreshExpires: Date | undefined;
  try {
    expires = unixSeconds(data.access_token_expire_in, 'access_token_expire_in');
    refreshExpires = unixSeconds(data.refresh_token_expire_in, 'refresh_token_expire_in');
  } catch (err) {
    throw new TikTokApiError('malformed', `${what}: the token expiry is not a Unix time`, { cause: err });
  }
  if (accessToken === undefined || refreshToken === undefined || expires === undefined) {
    throw new TikTokApiError(
      'malformed',
      `${what}: the answer lacks access_token, refresh_token or access_token_expire_in`,
    );
  }
  return { accessToken, accessTokenExpiresAt: expires, refreshToken, refreshTokenExpiresAt: refreshExpires ?? null };
}
