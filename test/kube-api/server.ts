import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { silentLogger, type Logger } from '../../shared/log/logger.js';
import { ActivityLog } from './activity-log.js';
import { ApiError, internalError, methodNotAllowed, pathNotFound } from './api-error.js';
import type { ClusterTiming, ControllerContext } from './controllers/controller.js';
import { Reconciler } from './controllers/reconciler.js';
import { apiGroup, apiGroupList, apiResourceList, coreApiVersions, versionInfo, type VersionInfo } from './discovery.js';
import { sendError, sendJson } from './http/http-io.js';
import { ResourceHandler } from './http/resource-handler.js';
import { parseRoute, type Route } from './http/route.js';
import { WatchHub } from './http/watch-hub.js';
import { newNamespace } from './object-factory.js';
import { ObjectStore } from './object-store.js';
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
  /** Larger request bodies get 413. Default 1 MiB. */
  maxRequestBodyBytes?: number;
}

export interface KubeApiServer {
  /** http://HOST:PORT */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Direct, typed access to every stored object, for seeding and assertions. */
  readonly store: ObjectStore;
  /** Server-side record of pod, node and eviction events with timestamps. */
  readonly activity: ActivityLog;
  readonly timing: ClusterTiming;
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
  const resources = new ResourceHandler({ ctx, disruption: reconciler.disruption, watches, maxBodyBytes: options.maxRequestBodyBytes ?? 1024 * 1024 });
  const version = versionInfo(options.version);

  const route = async (req: IncomingMessage, res: ServerResponse, target: Route, params: URLSearchParams): Promise<void> => {
    if (target.type === 'object') return resources.handle(req, res, target, params);
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(req.method ?? '');
    switch (target.type) {
      case 'version':
        return sendJson(res, 200, version);
      case 'health':
        res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
        return void res.end('ok');
      case 'core-versions':
        return sendJson(res, 200, coreApiVersions(`${options.host}:${req.socket.localPort}`));
      case 'group-list':
        return sendJson(res, 200, apiGroupList());
      case 'group': {
        const doc = apiGroup(target.group);
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

  const server = createServer((req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      logger.debug({ method: req.method, url: req.url, status: res.statusCode, ms: Date.now() - started }, 'request');
    });
    // Prefixing (not resolving against a base) keeps a path like //x from being read as a host.
    const url = URL.canParse(`http://localhost${req.url ?? '/'}`) ? new URL(`http://localhost${req.url ?? '/'}`) : undefined;
    const target = url && parseRoute(url.pathname);
    const handled = url && target ? route(req, res, target, url.searchParams) : Promise.reject(pathNotFound());
    handled.catch((err: unknown) => {
      const apiError = err instanceof ApiError ? err : internalError(err instanceof Error ? err.message : String(err));
      if (!(err instanceof ApiError)) logger.error({ err, method: req.method, url: req.url }, 'request failed');
      if (res.headersSent) res.destroy();
      else sendError(res, apiError);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  reconciler.start();
  logger.info({ host: options.host, port }, 'test kube API server listening');

  let closed: Promise<void> | undefined;
  return {
    url: `http://${options.host}:${port}`,
    host: options.host,
    port,
    store,
    activity,
    timing,
    reconcile: () => reconciler.runOnce(),
    close: () => {
      closed ??= new Promise<void>((resolve) => {
        reconciler.stop();
        watches.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
