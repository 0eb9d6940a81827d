// node-oidc-provider (npm `oidc-provider`, OpenID Certified) as the e-ID sign-in's independent
// peer, run as its own process by tests/citizens/test_oidc_provider.py:
//   node tests/peers/oidc_provider.mjs   (everything else from the environment)
// OIDC_PEER_PORT: the port (the issuer is http://127.0.0.1:<port>); OIDC_PEER_CLIENTS: the clients
// (JSON, oidc-provider's client metadata); OIDC_PEER_KEYS: the signing keys (JSON list of private
// JWKs); OIDC_PEER_ACCOUNTS: the citizens (JSON, login name -> {sub, level, claims});
// OIDC_PEER_CODE_TTL: seconds an authorization code lives (default 60); OIDC_PEER_PASSWORD.
//
// Everything else is the library's defaults, as a provider that follows OIDC Core: the profile
// claims (name, birthdate, personal_id) are served from userinfo only (conformIdTokenClaims), the
// ID token carries sub, acr (the level the sign-in reached), nonce and the times. The interaction
// is our own small page (the library's devInteractions accept any login): a login form, then a
// consent page whose "Từ chối" ends the flow with error=access_denied.
import { once } from 'node:events';

import Provider from 'oidc-provider';

const env = (name, fallback) => process.env[name] ?? fallback;
const port = Number(env('OIDC_PEER_PORT'));
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(env('OIDC_PEER_ACCOUNTS', '{}'));
const password = env('OIDC_PEER_PASSWORD', 'peer-pw');
const bySub = Object.fromEntries(Object.values(accounts).map((account) => [account.sub, account]));

const provider = new Provider(issuer, {
  clients: JSON.parse(env('OIDC_PEER_CLIENTS', '[]')),
  jwks: { keys: JSON.parse(env('OIDC_PEER_KEYS', '[]')) },
  cookies: { keys: ['peer-cookie-key'] },
  claims: {
    acr: null, auth_time: null, sid: null, openid: ['sub'], profile: ['name', 'birthdate', 'personal_id'],
  },
  acrValues: ['1', '2', '3'],
  ttl: { AuthorizationCode: Number(env('OIDC_PEER_CODE_TTL', '60')) },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = bySub[sub];
    return account && { accountId: sub, claims: async () => ({ sub, ...account.claims }) };
  },
});

// Why the provider refused something, on stderr (the tests show it when they fail).
for (const event of ['grant.error', 'authorization.error', 'userinfo.error', 'server_error']) {
  provider.on(event, (ctx, error) => console.error(`${event}: ${error.message} ${error.error_detail ?? ''}`));
}

const page = (title, body) => `<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>${title}</title></head>
<body><h1>${title}</h1>${body}</body></html>`;

async function form(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

// The interaction: GET shows the prompt's page; POST .../login, .../consent, .../deny answer it.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(?:\/(login|consent|deny))?$/);
  if (!match) return next();
  const [, uid, action] = match;
  const { prompt, params, session, grantId } = await provider.interactionDetails(ctx.req, ctx.res);
  ctx.type = 'html';
  if (!action && prompt.name === 'login') {
    ctx.body = page('Đăng nhập định danh điện tử', `<form method="post" action="/interaction/${uid}/login">
<label for="login">Tên đăng nhập</label><input id="login" name="login">
<label for="password">Mật khẩu</label><input id="password" name="password" type="password">
<button type="submit">Đăng nhập</button></form>`);
  } else if (!action) {
    ctx.body = page('Chia sẻ thông tin', `<p>${params.client_id} xin: ${params.scope}</p>
<form method="post" action="/interaction/${uid}/consent"><button type="submit">Đồng ý</button></form>
<form method="post" action="/interaction/${uid}/deny"><button type="submit">Từ chối</button></form>`);
  } else if (action === 'login') {
    const body = await form(ctx.req);
    const account = accounts[body.get('login')];
    if (!account || body.get('password') !== password) {
      ctx.status = 401;
      ctx.body = page('Sai tên đăng nhập hoặc mật khẩu', `<a href="/interaction/${uid}">Thử lại</a>`);
      return undefined;
    }
    const login = { accountId: account.sub, acr: String(account.level) };
    await provider.interactionFinished(ctx.req, ctx.res, { login }, { mergeWithLastSubmission: false });
  } else if (action === 'consent') {
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const { missingOIDCScope, missingOIDCClaims } = prompt.details;
    if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
    if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
    const consent = { grantId: await grant.save() };
    await provider.interactionFinished(ctx.req, ctx.res, { consent }, { mergeWithLastSubmission: true });
  } else {
    const denied = { error: 'access_denied', error_description: 'the citizen declined to share their data' };
    await provider.interactionFinished(ctx.req, ctx.res, denied, { mergeWithLastSubmission: false });
  }
  return undefined;
});

const server = provider.listen(port, '127.0.0.1');
await once(server, 'listening');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
