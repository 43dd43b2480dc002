import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../shared/log/logger.js';
import { ActivityLog } from './activity-log.js';
import { ADMIN_USER, bearerToken, serviceAccountUser, TokenRegistry, type UserInfo } from './auth/identities.js';
import { selfSubjectAccessReview } from './auth/access-review.js';
import { RbacAuthorizer } from './auth/rbac-authorizer.js';
import { makeServingCertificate } from './auth/serving-certificate.js';
import { writeKubeconfig, type KubeconfigCredentials } from './kubeconfig.js';
import { forbidden, requestActivity, requestAttributes, unauthorized } from './auth/request-attributes.js';
import { ApiError, internalError, methodNotAllowed, pathNotFound } from './api-error.js';
import type { ClusterTiming, ControllerContext } from './controllers/controller.js';
import { Reconciler } from './controllers/reconciler.js';
import { apiGroup, apiGroupList, apiResourceList, coreApiVersions, versionInfo, type VersionInfo } from './discovery.js';
import { sendError, sendJson } from './http/http-io.js';
import { ResourceHandler } from './http/resource-handler.js';
import { parseRoute, type Route } from './http/route.js';
import { WatchHub } from './http/watch-hub.js';
import { HealthChecks } from './http/health-endpoints.js';
import { newNamespace } from './object-factory.js';
import { ObjectStore } from './object-store.js';
import { openApiGroupVersion, openApiRoot } from './openapi.js';
import { admitDefaultTolerations, LAB_DEFAULT_TOLERATION_SECONDS } from './pod-admission.js';

export interface KubeApiServerOptions extends Partial<ClusterTiming> {
  /** A 127.x address; the server never listens anywhere else. */
  host: string;
  /** 0 for an ephemeral port. */
  port: number;
  logger?: Logger;
  /** What GET /version reports; kubectl's dispatcher picks its kubectl binary from it. */
  version?: Partial<VersionInfo>;
  /** How often the controllers run besides right after each change. Default 100 ms. */
  reconcileIntervalMs?: number;
  /** Larger request bodies get 413. Default 3 MiB, the apiserver's MaxRequestBodyBytes. */
  maxRequestBodyBytes?: number;
  /**
   * Also serve HTTPS (a fresh self-signed CA made with openssl) on an ephemeral port: the secure
   * port, where every request needs a bearer token (401 otherwise) and RBAC decides (403). The
   * plain-HTTP port stays as it always was: a request without a token there is the admin, like
   * the apiserver's old insecure port, so the lab's stand-ins and existing kubeconfigs keep working.
   */
  secure?: boolean;
}

export interface KubeApiServer {
  /** http://HOST:PORT */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Direct, typed access to every stored object, for seeding and assertions. */
  readonly store: ObjectStore;
  /** Server-side record of pod, node and eviction events, and of every request RBAC decided (ApiRequest), with timestamps. */
  readonly activity: ActivityLog;
  readonly timing: ClusterTiming;
  /** A bearer token of the admin identity (group system:masters: everything allowed). */
  readonly adminToken: string;
  /** Mints a bearer token that authenticates as `user` (no expiry). */
  issueToken(user: UserInfo): string;
  /** Mints a token of system:serviceaccount:NAMESPACE:NAME, as `kubectl create token` would. */
  serviceAccountToken(namespace: string, name: string): string;
  /** https://HOST:PORT of the secure port, when started with `secure: true`. */
  readonly secureUrl?: string;
  /** PEM of the CA that signed the secure port's certificate, when started with `secure: true`. */
  readonly caCertificate?: string;
  /** What a kubeconfig for `token` on the secure port needs (secure servers only). */
  credentials(token: string): KubeconfigCredentials;
  /** Writes DIR/FILE, a kubeconfig that acts as `token`'s identity on the secure port; returns its path. */
  writeKubeconfig(dir: string, token: string, fileName?: string): Promise<string>;
  /** The checks /livez and /readyz report; `health.fail('etcd', 'etcd unreachable')` makes them fail as kube-apiserver's would. */
  readonly health: HealthChecks;
  /** Runs every controller once, now (they also run on their own). */
  reconcile(): void;
  close(): Promise<void>;
}

const DEFAULT_TIMING: ClusterTiming = { nodeHeartbeatGraceMs: 5000, podStartDelayMs: 1500, podTerminationDelayMs: 300, defaultTolerationSeconds: LAB_DEFAULT_TOLERATION_SECONDS };
const INITIAL_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function assertLoopback(host: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error(`the test API server listens on 127.x addresses only, not ${JSON.stringify(host)}`);
}

/**
 * An in-memory Kubernetes API server with the controllers a rolling node update relies on,
 * good enough for the real kubectl's get, cordon, uncordon, drain, annotate and label.
 */
export async function startKubeApiServer(options: KubeApiServerOptions): Promise<KubeApiServer> {
  assertLoopback(options.host);
  const logger = options.logger ?? silentLogger;
  const timing: ClusterTiming = {
    nodeHeartbeatGraceMs: options.nodeHeartbeatGraceMs ?? DEFAULT_TIMING.nodeHeartbeatGraceMs,
    podStartDelayMs: options.podStartDelayMs ?? DEFAULT_TIMING.podStartDelayMs,
    podTerminationDelayMs: options.podTerminationDelayMs ?? DEFAULT_TIMING.podTerminationDelayMs,
    defaultTolerationSeconds: options.defaultTolerationSeconds ?? DEFAULT_TIMING.defaultTolerationSeconds,
  };
  const store = new ObjectStore({ pods: (pod) => admitDefaultTolerations(pod, timing.defaultTolerationSeconds) });
  for (const ns of INITIAL_NAMESPACES) store.namespaces.create(newNamespace(ns));
  const activity = new ActivityLog();
  const ctx: ControllerContext = { store, activity, timing, logger };
  const reconciler = new Reconciler(ctx, options.reconcileIntervalMs ?? 100);
  const watches = new WatchHub(store);
  const tokens = new TokenRegistry();
  const adminToken = tokens.issue(ADMIN_USER);
  const authorizer = new RbacAuthorizer(store);
  const resources = new ResourceHandler({ ctx, disruption: reconciler.disruption, watches, tokens, maxBodyBytes: options.maxRequestBodyBytes ?? 3 * 1024 * 1024 });
  const version = versionInfo(options.version);
  const health = new HealthChecks();

  /**
   * Who sent the request; undefined for a token-less /version or health check, which anyone may
   * read. A token must be known; no token is the admin on the plain port and 401 on the secure one.
   */
  const authenticate = (req: IncomingMessage, target: Route | undefined, secure: boolean): UserInfo | undefined => {
    const token = bearerToken(req.headers.authorization);
    if (token !== undefined) {
      const user = tokens.authenticate(token);
      if (!user) throw unauthorized();
      return user;
    }
    if (target?.type === 'version' || target?.type === 'health') return undefined;
    if (secure) throw unauthorized();
    return ADMIN_USER;
  };

  const route = async (req: IncomingMessage, res: ServerResponse, target: Route, params: URLSearchParams, user: UserInfo | undefined): Promise<void> => {
    if (target.type === 'object') return resources.handle(req, res, target, params);
    if (target.type === 'self-subject-access-review') {
      if (req.method !== 'POST') throw methodNotAllowed(req.method ?? '');
      return sendJson(res, 201, selfSubjectAccessReview(authorizer, user ?? ADMIN_USER, await resources.requestBody(req)));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method ?? '');
    switch (target.type) {
      case 'version':
        return sendJson(res, 200, version);
      case 'health':
        return health.answer(res, target.endpoint, target.check, params);
      case 'core-versions':
        return sendJson(res, 200, coreApiVersions(`${options.host}:${req.socket.localPort}`));
      case 'group-list':
        return sendJson(res, 200, apiGroupList());
      case 'group': {
        const doc = apiGroup(target.group);
        if (!doc) throw pathNotFound();
        return sendJson(res, 200, doc);
      }
      case 'openapi-root':
        return sendJson(res, 200, openApiRoot());
      case 'openapi-group-version': {
        const doc = openApiGroupVersion(target.path, version.gitVersion);
        if (!doc) throw pathNotFound();
        return sendJson(res, 200, doc);
      }
      case 'resource-list': {
        const doc = apiResourceList(target.group, target.version);
        if (!doc) throw pathNotFound();
        return sendJson(res, 200, doc);
      }
    }
  };

  const handler = (secure: boolean) => (req: IncomingMessage, res: ServerResponse): void => {
    const started = Date.now();
    res.on('finish', () => {
      logger.debug({ method: req.method, url: req.url, status: res.statusCode, ms: Date.now() - started, secure }, 'request');
    });
    // Prefixing (not resolving against a base) keeps a path like //x from being read as a host.
    const url = URL.canParse(`http://localhost${req.url ?? '/'}`) ? new URL(`http://localhost${req.url ?? '/'}`) : undefined;
    const target = url && parseRoute(url.pathname);
    const handled = (async () => {
      if (!url) throw pathNotFound();
      // Authentication, then RBAC authorization, before anything is read or written.
      const user = authenticate(req, target, secure);
      if (user) {
        const attrs = requestAttributes(req.method ?? 'GET', url.pathname, target, url.searchParams);
        const decision = authorizer.authorize(user, attrs);
        // What RBAC decided for a restricted identity; discovery and /version (every kubectl run) only when refused.
        if (!user.groups.includes('system:masters') && (attrs.resourceRequest || !decision.allowed)) activity.record(requestActivity(user, attrs, decision.allowed));
        if (!decision.allowed) throw forbidden(user, attrs, decision.reason);
      }
      if (!target) throw pathNotFound();
      return route(req, res, target, url.searchParams, user);
    })();
    handled.catch((err: unknown) => {
      const apiError = err instanceof ApiError ? err : internalError(err instanceof Error ? err.message : String(err));
      if (!(err instanceof ApiError)) logger.error({ err, method: req.method, url: req.url }, 'request failed');
      if (res.headersSent) res.destroy();
      else sendError(res, apiError);
    });
  };

  const servingCertificate = options.secure ? await makeServingCertificate(options.host) : undefined;
  const servers: Server[] = [createServer(handler(false))];
  if (servingCertificate) servers.push(createHttpsServer({ key: servingCertificate.key, cert: servingCertificate.certificate }, handler(true)));
  const listen = (server: Server, port: number): Promise<number> =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, options.host, () => {
        server.off('error', reject);
        resolve((server.address() as AddressInfo).port);
      });
    });
  const port = await listen(servers[0] as Server, options.port);
  const securePort = servers[1] ? await listen(servers[1], 0) : undefined;
  reconciler.start();
  logger.info({ host: options.host, port, securePort }, 'test kube API server listening');
  const secureUrl = securePort === undefined ? undefined : `https://${options.host}:${securePort}`;

  let closed: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}`,
    host: options.host,
    port,
    ...(secureUrl && servingCertificate ? { secureUrl, caCertificate: servingCertificate.caCertificate } : {}),
    store,
    activity,
    timing,
    adminToken,
    issueToken: (user) => tokens.issue(user),
    serviceAccountToken: (namespace, name) => tokens.issue(serviceAccountUser(namespace, name)),
    credentials: (token) => {
      if (!servingCertificate) throw new Error('the test API server was started without secure: true, so no kubeconfig can carry a token');
      return { token, certificateAuthority: servingCertificate.caCertificate };
    },
    writeKubeconfig: (dir, token, fileName = 'config') => {
      if (!servingCertificate || !secureUrl) throw new Error('the test API server was started without secure: true, so no kubeconfig can carry a token');
      return writeKubeconfig(dir, secureUrl, fileName, { token, certificateAuthority: servingCertificate.caCertificate });
    },
    health,
    reconcile: () => reconciler.runOnce(),
    close: () => {
      closed ??= (async () => {
        reconciler.stop();
        watches.close();
        await Promise.all(
          servers.map(
            (server) =>
              new Promise<void>((resolve) => {
                server.close(() => resolve());
                server.closeAllConnections();
              }),
          ),
        );
      })();
      return closed;
    },
  };
}
